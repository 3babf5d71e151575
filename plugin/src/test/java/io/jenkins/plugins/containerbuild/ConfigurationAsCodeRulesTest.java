package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jenkinsci.Symbol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * The YAML of docs/configuration-as-code.md, bound the way Configuration as Code binds a global configuration:
 * each key is a {@code @DataBoundConstructor} parameter (by its compiled name) or a {@code @DataBoundSetter}; a
 * key nobody takes is an error; an abstract describable is written as {@code {symbol: {attributes}}}; a list of a
 * concrete describable as a list of attribute maps. Exported back through the getters, the result is the YAML.
 * The plugin itself is not available offline: this checks the contract our classes offer it.
 */
@ExtendWith(JenkinsStatics.class)
class ConfigurationAsCodeRulesTest {

    private static final List<Class<? extends DaemonSpec>> DAEMONS =
            List.of(DoodDaemon.class, DindDaemon.class, TcpDaemon.class, GlobalDefaultDaemon.class, PodmanDaemon.class);

    @Test
    void theFirstExampleBindsAndExportsUnchanged() throws Exception {
        List<Map<String, Object>> examples = documentedExamples();
        assertThat(examples).hasSize(2);

        ContainerBuildConfiguration first = bindGlobal(examples.get(0));
        assertThat(first.getDefaultDaemon()).isInstanceOf(TcpDaemon.class);
        TcpDaemon tcp = (TcpDaemon) first.getDefaultDaemon();
        assertThat(tcp.getUri()).isEqualTo("tcp://docker.example.com:2376");
        assertThat(tcp.getCredentialsId()).isEqualTo("docker-client-cert");
        assertThat(first.getRegistries()).extracting(NamedRegistry::getName).containsExactly("internal", "mirror");
        assertThat(first.registry("internal").getCredentialsId()).isEqualTo("registry-push");
        assertThat(first.registry("mirror").getCredentialsId()).isNull();
        assertThat(first.getDindImage()).isEqualTo("docker:27-dind");
        assertThat(first.getDindSecurity()).isEqualTo("capabilities");
        assertThat(first.getDindCacheVolume()).isEqualTo("jenkins-dind-cache");
        assertThat(export(first)).isEqualTo(section(examples.get(0)));
    }

    @Test
    void theDindExampleBindsAndExportsUnchanged() throws Exception {
        List<Map<String, Object>> examples = documentedExamples();
        ContainerBuildConfiguration second = bindGlobal(examples.get(1));
        DindDaemon dind = (DindDaemon) second.getDefaultDaemon();
        assertThat(dind.getImage()).isEqualTo("docker:27-dind");
        assertThat(dind.getCacheVolume()).isEqualTo("jenkins-dind-cache");
        assertThat(dind.getSecurity()).isEqualTo("privileged");
        assertThat(second.isForbidStepDaemons()).isTrue();
        assertThat(second.allowedDindImagePatterns()).containsExactly("docker:27-dind");
        assertThat(second.isSharedCacheVolumes()).isTrue();
        assertThat(export(second)).isEqualTo(section(examples.get(1)));
    }

    @Test
    void mistakesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> bindGlobal(Map.of("unclassified", Map.of("containerBuild",
                        Map.of("dindImag", "docker:dind")))))
                .hasMessageContaining("dindImag");
        assertThatThrownBy(() -> bindGlobal(Map.of("unclassified", Map.of("containerBuild",
                        Map.of("defaultDaemon", Map.of("kubernetes", Map.of()))))))
                .hasMessageContaining("kubernetes");
        assertThatThrownBy(() -> bindGlobal(Map.of("unclassified", Map.of("containerBuild",
                        Map.of("dindSecurity", "root")))))
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        // a daemon keeps what it is given; the global configuration refuses it when it is set, by its message
        assertThatThrownBy(() -> bindGlobal(Map.of("unclassified", Map.of("containerBuild",
                        Map.of("defaultDaemon", Map.of("dind", Map.of("image", "docker:dind", "security", "root")))))))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasStackTraceContaining("Unknown DinD security profile 'root'");
        assertThatThrownBy(() -> bindGlobal(Map.of("unclassified", Map.of("containerBuild",
                        Map.of("defaultDaemon", Map.of("tcp", Map.of("uri", "docker.example.com:2376")))))))
                .hasStackTraceContaining("write it as tcp://HOST:PORT");
    }

    /** The agent's Podman as the default daemon: {@code podman: {socket: ...}}, or {@code podman: {}} to find it. */
    @Test
    void aPodmanDefaultDaemonBindsAndExportsUnchanged() throws Exception {
        for (Map<String, Object> podman : List.of(Map.<String, Object>of("socket", "/run/user/1000/podman/podman.sock"),
                Map.<String, Object>of())) {
            Map<String, Object> section = Map.of("defaultDaemon", Map.of("podman", podman));
            ContainerBuildConfiguration global = bindGlobal(Map.of("unclassified", Map.of("containerBuild", section)));
            assertThat(global.getDefaultDaemon()).isInstanceOf(PodmanDaemon.class);
            assertThat(((PodmanDaemon) global.getDefaultDaemon()).getSocket()).isEqualTo(podman.get("socket"));
            assertThat(export(global)).containsEntry("defaultDaemon", Map.of("podman", podman));
        }
    }

    /** The yaml blocks of the documentation page. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documentedExamples() throws Exception {
        Path doc = Path.of(System.getProperty("user.dir")).resolve("../docs/configuration-as-code.md").normalize();
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(doc, StandardCharsets.UTF_8));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<Map<String, Object>> out = new ArrayList<>();
        while (m.find()) {
            out.add(yaml.readValue(m.group(1), Map.class));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> document) {
        Map<String, Object> unclassified = (Map<String, Object>) document.get("unclassified");
        assertThat(unclassified).containsOnlyKeys("containerBuild");
        return (Map<String, Object>) unclassified.get("containerBuild");
    }

    /** What the unconfigured global configuration exports: the defaults, which an export leaves out. */
    private static Map<String, Object> globalDefaults;

    private static ContainerBuildConfiguration bindGlobal(Map<String, Object> document) throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        globalDefaults = exportAll(global);
        applySetters(global, section(document));
        return global;
    }

    /** The export of the global configuration, without the values it has when nothing is configured. */
    private static Map<String, Object> export(ContainerBuildConfiguration global) throws Exception {
        Map<String, Object> out = exportAll(global);
        out.entrySet().removeIf(e -> e.getValue().equals(globalDefaults.get(e.getKey())));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> exportAll(ContainerBuildConfiguration global) throws Exception {
        return new LinkedHashMap<>((Map<String, Object>) export((Object) global));
    }

    @SuppressWarnings("unchecked")
    private static Object bind(Type type, Object value) throws Exception {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (value == null) {
            return null;
        }
        if (raw == String.class) {
            return value.toString();
        }
        if (raw == int.class || raw == Integer.class) {
            return Integer.valueOf(value.toString());
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return Boolean.valueOf(value.toString());
        }
        if (raw == List.class) {
            Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Object v : (List<Object>) value) {
                out.add(bind(item, v));
            }
            return out;
        }
        Map<String, Object> attributes = (Map<String, Object>) value;
        if (Modifier.isAbstract(raw.getModifiers())) {
            assertThat(attributes).as("a %s is written as {symbol: {...}}", raw.getSimpleName()).hasSize(1);
            String symbol = attributes.keySet().iterator().next();
            Class<?> concrete = bySymbol(symbol);
            Object inner = attributes.get(symbol);
            return bind(concrete, inner == null ? Map.of() : inner);
        }
        return instantiate(raw, attributes);
    }

    private static Class<?> bySymbol(String symbol) {
        for (Class<?> c : DAEMONS) {
            try {
                Symbol s = Class.forName(c.getName() + "$DescriptorImpl").getAnnotation(Symbol.class);
                if (List.of(s.value()).contains(symbol)) {
                    return c;
                }
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
        }
        throw new IllegalArgumentException("no daemon has the symbol '" + symbol + "'");
    }

    private static Object instantiate(Class<?> type, Map<String, Object> attributes) throws Exception {
        Constructor<?> ctor = null;
        for (Constructor<?> c : type.getConstructors()) {
            if (c.isAnnotationPresent(DataBoundConstructor.class)) {
                ctor = c;
            }
        }
        assertThat(ctor).as("@DataBoundConstructor of %s", type.getName()).isNotNull();
        Map<String, Object> rest = new LinkedHashMap<>(attributes);
        Parameter[] params = ctor.getParameters();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            assertThat(params[i].isNamePresent()).as("parameter names compiled in (-parameters)").isTrue();
            args[i] = bind(params[i].getParameterizedType(), rest.remove(params[i].getName()));
        }
        Object o = ctor.newInstance(args);
        applySetters(o, rest);
        return o;
    }

    private static void applySetters(Object target, Map<String, Object> attributes) throws Exception {
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            Method setter = setter(target.getClass(), e.getKey());
            if (setter == null) {
                throw new IllegalArgumentException(target.getClass().getSimpleName() + " has no attribute '"
                        + e.getKey() + "'");
            }
            setter.invoke(target, bind(setter.getGenericParameterTypes()[0], e.getValue()));
        }
    }

    private static Method setter(Class<?> type, String name) {
        String wanted = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (Method m : type.getMethods()) {
            if (m.getName().equals(wanted) && m.getParameterCount() == 1 && m.isAnnotationPresent(DataBoundSetter.class)) {
                return m;
            }
        }
        return null;
    }

    /**
     * What Configuration as Code exports: every attribute's getter, leaving out nulls and the values an instance
     * made from the same constructor arguments has anyway (defaults).
     */
    private static Object export(Object o) throws Exception {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean) {
            return o;
        }
        if (o instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object v : list) {
                out.add(export(v));
            }
            return out;
        }
        Object reference = defaults(o);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String attribute : attributes(o.getClass())) {
            String property = Character.toUpperCase(attribute.charAt(0)) + attribute.substring(1);
            Method getter;
            try {
                getter = o.getClass().getMethod("get" + property);
            } catch (NoSuchMethodException e) {
                getter = o.getClass().getMethod("is" + property); // a boolean property, as CasC reads it too
            }
            Object v = export(getter.invoke(o));
            boolean isDefault = reference != null && reference != o && v != null
                    && v.equals(export(getter.invoke(reference))) && !isConstructorParameter(o.getClass(), attribute);
            if (v != null && !isDefault) {
                out.put(attribute, v);
            }
        }
        if (o instanceof DaemonSpec) {
            String symbol = Class.forName(o.getClass().getName() + "$DescriptorImpl").getAnnotation(Symbol.class)
                    .value()[0];
            return Map.of(symbol, out);
        }
        return out;
    }

    /** An instance made with the same constructor arguments and no setter called; null when there is none. */
    private static Object defaults(Object o) throws Exception {
        for (Constructor<?> c : o.getClass().getConstructors()) {
            if (c.isAnnotationPresent(DataBoundConstructor.class)) {
                Object[] args = new Object[c.getParameterCount()];
                for (int i = 0; i < args.length; i++) {
                    String n = c.getParameters()[i].getName();
                    args[i] = o.getClass().getMethod("get" + Character.toUpperCase(n.charAt(0)) + n.substring(1))
                            .invoke(o);
                }
                return c.newInstance(args);
            }
        }
        return null;
    }

    private static boolean isConstructorParameter(Class<?> type, String attribute) {
        for (Constructor<?> c : type.getConstructors()) {
            if (c.isAnnotationPresent(DataBoundConstructor.class)) {
                for (Parameter p : c.getParameters()) {
                    if (p.getName().equals(attribute)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static List<String> attributes(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Constructor<?> c : type.getConstructors()) {
            if (c.isAnnotationPresent(DataBoundConstructor.class)) {
                for (Parameter p : c.getParameters()) {
                    names.add(p.getName());
                }
            }
        }
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(DataBoundSetter.class) && m.getName().startsWith("set")) {
                String n = m.getName().substring(3);
                names.add(Character.toLowerCase(n.charAt(0)) + n.substring(1));
            }
        }
        return names;
    }
}
