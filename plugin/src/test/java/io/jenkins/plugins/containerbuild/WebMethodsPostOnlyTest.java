package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Descriptor;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * "Every web method is POST-only" (docs/security.md): every public {@code do*} method of every class of the plugin
 * (descriptors, actions, whatever Stapler can reach) carries {@code @POST} or {@code @RequirePOST}, or is on the short
 * list below of read-only methods, each with its reason. A new web method without either fails here. The list is
 * empty: checks and buttons act or connect, and the drop-downs' fill methods are POST too, since core's select
 * control fetches its items with POST (so a cross-site GET cannot list them).
 */
class WebMethodsPostOnlyTest {

    private static final Pattern WEB_METHOD = Pattern.compile("do[A-Z].*");

    /** Read-only web methods, by name, and why they may answer GET: none. */
    private static final Map<String, String> READ_ONLY = Map.of();

    @Test
    void everyPublicDoMethodIsPostOnlyOrListedAsReadOnly() throws Exception {
        List<Class<?>> classes = pluginClasses();
        List<String> seen = new ArrayList<>();
        List<String> descriptors = new ArrayList<>();
        List<String> offenders = new ArrayList<>();
        for (Class<?> c : classes) {
            if (Descriptor.class.isAssignableFrom(c)) {
                descriptors.add(c.getName());
            }
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || !WEB_METHOD.matcher(m.getName()).matches()) {
                    continue;
                }
                String where = c.getName().substring(c.getPackageName().length() + 1) + "." + m.getName();
                seen.add(where);
                if (!postOnly(m) && !READ_ONLY.containsKey(m.getName())) {
                    offenders.add(where);
                }
                if (postOnly(m) && READ_ONLY.containsKey(m.getName())) {
                    offenders.add(where + " (listed as read-only but POST-only: take it off the list)");
                }
            }
        }
        // the scan really saw the plugin's descriptors and their web methods (no vacuous pass)
        assertThat(descriptors).contains(TcpDaemon.DescriptorImpl.class.getName(),
                DoodDaemon.DescriptorImpl.class.getName(), ContainerBuildStep.DescriptorImpl.class.getName());
        assertThat(seen).contains("TcpDaemon$DescriptorImpl.doTestConnection", "TcpDaemon$DescriptorImpl.doCheckUri");
        // every credentials drop-down: its fill method and its check (credentials consumer guide)
        for (String d : List.of("ContainerPushStep", "ContainerBuildBuilder", "TcpDaemon", "NamedRegistry",
                "PullRegistry", "SecretMount", "SshMount")) {
            assertThat(seen).contains(d + "$DescriptorImpl.doFillCredentialsIdItems",
                    d + "$DescriptorImpl.doCheckCredentialsId");
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(20);
        assertThat(offenders).as("web methods that answer GET (add @POST, or list them with a reason)").isEmpty();
    }

    private static boolean postOnly(Method m) {
        for (Annotation a : m.getAnnotations()) {
            String name = a.annotationType().getName();
            if (name.equals("org.kohsuke.stapler.verb.POST")
                    || name.equals("org.kohsuke.stapler.interceptor.RequirePOST")) {
                return true;
            }
        }
        return false;
    }

    /** Every class compiled from the plugin's main sources, read from where {@link ContainerBuildStep} was loaded. */
    private static List<Class<?>> pluginClasses() throws IOException, ClassNotFoundException {
        Path root = Path.of(ContainerBuildStep.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        assertThat(root).isDirectory(); // target/classes, not a jar: we list its files
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
                    .forEach(p -> {
                        String rel = root.relativize(p).toString();
                        names.add(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'));
                    });
        }
        List<Class<?>> classes = new ArrayList<>();
        for (String n : names) {
            classes.add(Class.forName(n, false, WebMethodsPostOnlyTest.class.getClassLoader()));
        }
        return classes;
    }
}
