package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jenkinsci.Symbol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * The form and help resources match the classes they describe (Jenkins does not check this at compile time):
 * every {@code field="..."} of a config.jelly is a data-bound property with a getter, every help-FIELD.html names
 * such a property and every property has one, and every message key exists.
 */
class UiResourcesTest {

    private static final Pattern FIELD = Pattern.compile("\\bfield=\"([^\"]+)\"");
    private static final Pattern TEXT_AREA = Pattern.compile("\\bname=\"_\\.([A-Za-z]+)Text\"");

    /** Every class with a form; the global configuration's form is global.jelly. */
    static final List<Class<?>> CONFIGURABLE = List.of(ContainerBuildStep.class, ContainerPushStep.class,
            DoodDaemon.class, DindDaemon.class, TcpDaemon.class, GlobalDefaultDaemon.class, ContainerBuildBuilder.class,
            NamedRegistry.class, ContainerBuildConfiguration.class, PullRegistry.class, SecretMount.class, SshMount.class,
            PodmanDaemon.class, WithContainerDaemonStep.class);

    @ParameterizedTest
    @ValueSource(classes = {ContainerBuildStep.class, ContainerPushStep.class, DoodDaemon.class, DindDaemon.class,
            TcpDaemon.class, GlobalDefaultDaemon.class, ContainerBuildBuilder.class, NamedRegistry.class,
            ContainerBuildConfiguration.class, PullRegistry.class, SecretMount.class, SshMount.class,
            PodmanDaemon.class, WithContainerDaemonStep.class})
    void configFieldsAndHelpFilesMatchTheProperties(Class<?> type) throws Exception {
        Set<String> properties = dataBoundProperties(type);
        String view = viewOf(type);
        Path folder = resourceFolder(type, view);

        String jelly = Files.readString(folder.resolve(view), StandardCharsets.UTF_8);
        assertWellFormed(folder.resolve(view));
        Matcher m = FIELD.matcher(jelly);
        List<String> fields = new ArrayList<>();
        while (m.find()) {
            fields.add(m.group(1));
        }
        // a class without properties (GlobalDefaultDaemon) has a form without fields; every other form has some
        if (properties.isEmpty()) {
            assertThat(fields).as("fields of %s/config.jelly", type.getSimpleName()).isEmpty();
        } else {
            assertThat(fields).as("fields of %s/config.jelly", type.getSimpleName()).isNotEmpty();
        }
        assertThat(fields).allSatisfy(
                f -> assertThat(properties).as("properties of %s", type.getSimpleName()).contains(f));
        for (String f : fields) {
            assertThat(getter(type, f)).as("getter for %s.%s, which the form reads", type.getSimpleName(), f).isNotNull();
        }

        Set<String> helps = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("help-") && n.endsWith(".html"))
                    .forEach(n -> helps.add(n.substring("help-".length(), n.length() - ".html".length())));
        }
        assertThat(helps).as("help-FIELD.html files of %s", type.getSimpleName()).isEqualTo(properties);
        assertThat(folder.resolve("help.html")).exists();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path help : files.filter(p -> p.toString().endsWith(".html")).toList()) {
                assertWellFormed(help);
            }
        }
    }

    /**
     * A text area standing for a list or map argument ({@code name="_.FIELDText"}) sits in the entry of that
     * property, and the descriptor's {@code newInstance} reads it: each named area changes its property.
     */
    @ParameterizedTest
    @ValueSource(classes = {ContainerBuildStep.class, ContainerPushStep.class})
    @org.junit.jupiter.api.extension.ExtendWith(JenkinsStatics.class)
    void textAreasAreReadByNewInstance(Class<?> type) throws Exception {
        String jelly = Files.readString(resourceFolder(type, "config.jelly").resolve("config.jelly"),
                StandardCharsets.UTF_8);
        Matcher m = TEXT_AREA.matcher(jelly);
        List<String> areas = new ArrayList<>();
        while (m.find()) {
            areas.add(m.group(1));
            assertThat(jelly).as("entry of %s", m.group(1))
                    .contains("<f:entry field=\"" + m.group(1) + "\"");
        }
        List<String> expected = type == ContainerBuildStep.class
                ? List.of("tags", "buildArgs", "labels", "cacheFrom") : List.of("tags");
        assertThat(areas).containsExactlyInAnyOrderElementsOf(expected);
        for (String area : areas) {
            String text = area.equals("buildArgs") || area.equals("labels") ? "K=v" : "localhost:5000/x:1";
            java.util.function.Function<String, String> form = k -> k.equals(area + "Text") ? text : "";
            Object step = type == ContainerBuildStep.class
                    ? ContainerBuildStep.withTextAreas(new ContainerBuildStep(), form)
                    : ContainerPushStep.withTextAreas(new ContainerPushStep(), form);
            Object value = getter(type, area).invoke(step);
            assertThat(value).as("%s after its text area was read", area)
                    .isIn(List.of("localhost:5000/x:1"), List.of(new NameValue("K", "v")));
        }
    }

    @Test
    void theParameterizedListIsComplete() {
        ValueSource source;
        try {
            source = getClass().getDeclaredMethod("configFieldsAndHelpFilesMatchTheProperties", Class.class)
                    .getAnnotation(ValueSource.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        assertThat(List.of(source.classes())).containsExactlyElementsOf(CONFIGURABLE);
    }

    @Test
    void everyDescriptorHasASymbolAndADisplayNameMessage() throws Exception {
        for (Class<?> type : CONFIGURABLE) {
            Class<?> descriptor = type == ContainerBuildConfiguration.class ? type
                    : Class.forName(type.getName() + "$DescriptorImpl");
            assertThat(descriptor.getAnnotation(hudson.Extension.class)).as(descriptor.getName()).isNotNull();
            assertThat(descriptor.getAnnotation(Symbol.class)).as(descriptor.getName()).isNotNull();
            Method displayName = Messages.class.getDeclaredMethod(type.getSimpleName() + "_DisplayName");
            displayName.setAccessible(true);
            assertThat((String) displayName.invoke(null)).isNotBlank();
        }
        assertThat(ContainerBuildStep.DescriptorImpl.class.getAnnotation(Symbol.class).value())
                .containsExactly("containerBuild");
        assertThat(DoodDaemon.DescriptorImpl.class.getAnnotation(Symbol.class).value()).containsExactly("dood");
        assertThat(DindDaemon.DescriptorImpl.class.getAnnotation(Symbol.class).value()).containsExactly("dind");
        assertThat(TcpDaemon.DescriptorImpl.class.getAnnotation(Symbol.class).value()).containsExactly("tcp");
        assertThat(PodmanDaemon.DescriptorImpl.class.getAnnotation(Symbol.class).value()).containsExactly("podman");
        assertThat(GlobalDefaultDaemon.DescriptorImpl.class.getAnnotation(Symbol.class).value())
                .containsExactly("globalDefault");
        assertThat(ContainerBuildBuilder.DescriptorImpl.class.getAnnotation(Symbol.class).value())
                .containsExactly("containerBuildAndPush");
        assertThat(NamedRegistry.DescriptorImpl.class.getAnnotation(Symbol.class).value()).containsExactly("registry");
        assertThat(ContainerBuildConfiguration.class.getAnnotation(Symbol.class).value())
                .containsExactly("containerBuild");
    }

    /**
     * The job forms list "the global default" first (Jenkins orders descriptors by descending ordinal), so that a
     * new or daemon-less job saved from its form keeps following the global default; the global configuration's
     * own selector lists its daemons through {@code getDaemonDescriptors()}, which leaves that choice out.
     */
    @Test
    void theGlobalDefaultComesFirstInJobFormsAndTheGlobalSelectorUsesItsOwnList() throws Exception {
        double ordinal = GlobalDefaultDaemon.DescriptorImpl.class.getAnnotation(hudson.Extension.class).ordinal();
        for (Class<?> other : List.of(DoodDaemon.DescriptorImpl.class, DindDaemon.DescriptorImpl.class,
                TcpDaemon.DescriptorImpl.class, PodmanDaemon.DescriptorImpl.class)) {
            assertThat(ordinal).as("ordinal over %s", other.getName())
                    .isGreaterThan(other.getAnnotation(hudson.Extension.class).ordinal());
        }
        Path folder = resourceFolder(ContainerBuildConfiguration.class, "global.jelly");
        assertThat(Files.readString(folder.resolve("global.jelly"), StandardCharsets.UTF_8)).contains(
                "<f:dropdownDescriptorSelector field=\"defaultDaemon\" title=\"${%Default Docker daemon}\""
                        + " descriptors=\"${descriptor.daemonDescriptors}\"/>");
        assertThat(ContainerBuildConfiguration.class.getMethod("getDaemonDescriptors")).isNotNull();
        for (Class<?> type : List.of(ContainerBuildStep.class, ContainerPushStep.class, ContainerBuildBuilder.class)) {
            String jelly = Files.readString(resourceFolder(type, "config.jelly").resolve("config.jelly"),
                    StandardCharsets.UTF_8);
            // the job forms take the full descriptor list, GlobalDefaultDaemon included
            assertThat(jelly).as(type.getSimpleName()).contains("<f:dropdownDescriptorSelector field=\"daemon\"")
                    .doesNotContain("descriptors=");
        }
    }

    @Test
    void theBuildPageViewsAreWellFormedAndEscapeByDefault() throws Exception {
        Path folder = resourceFolder(ContainerBuildAction.class, "index.jelly");
        for (String view : List.of("index.jelly", "summary.jelly")) {
            assertWellFormed(folder.resolve(view));
            String text = Files.readString(folder.resolve(view), StandardCharsets.UTF_8);
            assertThat(text).startsWith("<?jelly escape-by-default='true'?>");
            // the only unescaped output is the plugin's own SVG, which escapes every text it holds
            assertThat(text.split("<j:out ", -1).length - 1).isEqualTo(view.equals("index.jelly") ? 1 : 0);
        }
        assertThat(Files.readString(folder.resolve("index.jelly"))).contains("<j:out value=\"${image.layersSvg}\"/>");
    }

    @Test
    void everyMessageMethodHasItsKeyAndEveryKeyItsMethod() throws Exception {
        Properties bundle = new Properties();
        try (InputStream in = Messages.class.getResourceAsStream("Messages.properties")) {
            bundle.load(in);
        }
        Set<String> methods = new TreeSet<>();
        for (Method m : Messages.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == String.class && !m.getName().equals("format")) {
                String key = m.getName().replace('_', '.');
                methods.add(key);
                assertThat(bundle).as("Messages.properties").containsKey(key);
                m.setAccessible(true);
                Object[] args = new Object[m.getParameterCount()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = "ARG" + i;
                }
                String text = (String) m.invoke(null, args);
                for (int i = 0; i < args.length; i++) {
                    assertThat(text).as(key + " uses {" + i + "}").contains("ARG" + i);
                }
                assertThat(text).as(key).doesNotContain("{", "}");
            }
        }
        assertThat(methods).isEqualTo(new TreeSet<>(bundle.stringPropertyNames()));
    }

    @Test
    void everyMessageCalledInTheSourcesExists() throws Exception {
        Path sources = Path.of("src/main/java/io/jenkins/plugins/containerbuild");
        Pattern call = Pattern.compile("Messages\\.([A-Za-z_]+)\\(");
        Set<String> declared = new TreeSet<>();
        for (Method m : Messages.class.getDeclaredMethods()) {
            declared.add(m.getName());
        }
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.list(sources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = call.matcher(Files.readString(f));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(declared).containsAll(used);
        declared.remove("format");
        assertThat(used).as("message methods used somewhere").containsAll(declared);
    }

    /** The names Stapler and structs bind: constructor parameters of the @DataBoundConstructor and setters. */
    static Set<String> dataBoundProperties(Class<?> type) {
        Set<String> names = new TreeSet<>();
        for (Constructor<?> c : type.getConstructors()) {
            if (c.isAnnotationPresent(DataBoundConstructor.class)) {
                for (Parameter p : c.getParameters()) {
                    assertThat(p.isNamePresent()).as("parameter names compiled in (-parameters)").isTrue();
                    names.add(p.getName());
                }
            }
        }
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(DataBoundSetter.class)) {
                assertThat(m.getName()).startsWith("set");
                names.add(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4));
            }
        }
        return names;
    }

    private static Method getter(Class<?> type, String property) {
        String suffix = Character.toUpperCase(property.charAt(0)) + property.substring(1);
        for (String prefix : new String[] {"get", "is"}) {
            try {
                return type.getMethod(prefix + suffix);
            } catch (NoSuchMethodException e) {
                // try the next
            }
        }
        return null;
    }

    private static String viewOf(Class<?> type) {
        return type == ContainerBuildConfiguration.class ? "global.jelly" : "config.jelly";
    }

    private static Path resourceFolder(Class<?> type, String view) throws URISyntaxException {
        URL url = type.getResource(type.getSimpleName() + "/" + view);
        assertThat(url).as(view + " of " + type.getName()).isNotNull();
        return Path.of(url.toURI()).getParent();
    }

    private static void assertWellFormed(Path file) throws IOException {
        try {
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        } catch (org.xml.sax.SAXException | javax.xml.parsers.ParserConfigurationException e) {
            throw new AssertionError(file + " is not well-formed XML: " + e.getMessage(), e);
        }
    }
}
