package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.Extension;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import net.java.sezpoz.Index;
import net.java.sezpoz.IndexItem;
import org.jenkinsci.Symbol;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged plugin, target/container-build.hpi, as Jenkins will read it. */
class HpiIT {

    private static final Path HPI = Path.of("target/container-build.hpi");

    @org.junit.jupiter.api.io.TempDir
    static Path unpacked;

    @BeforeAll
    static void unpack() throws IOException {
        assertThat(HPI).as("run the package phase first").exists();
        try (JarFile hpi = new JarFile(HPI.toFile())) {
            for (JarEntry e : java.util.Collections.list(hpi.entries())) {
                if (e.getName().startsWith("WEB-INF/lib/") && e.getName().endsWith(".jar")) {
                    try (InputStream in = hpi.getInputStream(e)) {
                        Files.copy(in, unpacked.resolve(Path.of(e.getName()).getFileName()));
                    }
                }
            }
        }
    }

    @Test
    void manifestHasThePluginAttributes() throws IOException {
        Attributes a;
        try (JarFile hpi = new JarFile(HPI.toFile())) {
            a = hpi.getManifest().getMainAttributes();
        }
        assertThat(a.getValue("Short-Name")).isEqualTo("container-build");
        assertThat(a.getValue("Long-Name")).isEqualTo("Container Build");
        assertThat(a.getValue("Plugin-Version")).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(a.getValue("Jenkins-Version")).isEqualTo("2.568.2");
        assertThat(a.getValue("Group-Id")).isEqualTo("io.jenkins.plugins");
        assertThat(a.getValue("Url")).startsWith("https://");
        assertThat(a.getValue("Minimum-Java-Version")).isEqualTo("21");
        assertThat(a.getValue("Support-Dynamic-Loading")).isEqualTo("true");
        assertThat(a.getValue("Plugin-Developers")).matches("[^:,]+:[^:,]*:[^:,]*(,[^:,]+:[^:,]*:[^:,]*)*");

        List<String> dependencies = List.of(a.getValue("Plugin-Dependencies").split(","));
        assertThat(dependencies).allMatch(d -> d.matches("[a-z0-9-]+:[A-Za-z0-9._-]+(;resolution:=optional)?"));
        assertThat(dependencies).containsExactlyInAnyOrder(
                "workflow-step-api:710.v3e456cc85233",
                "credentials:1502.v5c95e620ddfe",
                "structs:362.va_b_695ef4fdf9",
                "docker-commons:472.vee120e23d3a_c",
                "plain-credentials:199.v9f8e1f741799",
                "ssh-credentials:361.vb_f6760818e8c",
                "authentication-tokens:1.144.v5ff4a_5ec5c33",
                "docker-java-api:3.7.1-136.v5d70f77a_c3d6",
                "apache-httpcomponents-client-5-api:5.5-150.veb_76e719855b_",
                "jackson2-api:2.20.1-423.v13951f6b_6532",
                "commons-compress-api:1.28.0-3",
                "bouncycastle-api:2.30.1.82-277.v70ca_0b_877184",
                "mina-sshd-api-common:2.16.0-167.va_269f38cc024",
                "script-security:1412.v7737b_3405f86");
    }

    /**
     * The engine calls httpclient5 itself, so the plugin that provides it is a dependency, in the release line of
     * the httpclient5 the engine is compiled and tested against (a newer line must bump the dependency).
     */
    @Test
    void httpClientPluginMatchesTheHttpClientTheEngineIsBuiltWith() throws IOException {
        String declared;
        try (JarFile hpi = new JarFile(HPI.toFile())) {
            declared = java.util.Arrays.stream(hpi.getManifest().getMainAttributes().getValue("Plugin-Dependencies")
                    .split(",")).filter(d -> d.startsWith("apache-httpcomponents-client-5-api:")).findFirst().orElseThrow();
        }
        String version = declared.substring(declared.indexOf(':') + 1);
        String pluginHttpClient = version.substring(0, version.indexOf('-'));
        java.util.Properties built = new java.util.Properties();
        try (InputStream in = org.apache.hc.client5.http.DnsResolver.class.getResourceAsStream(
                "/META-INF/maven/org.apache.httpcomponents.client5/httpclient5/pom.properties")) {
            assertThat(in).as("httpclient5's pom.properties on the test class path").isNotNull();
            built.load(in);
        }
        String engineHttpClient = built.getProperty("version");
        assertThat(majorMinor(pluginHttpClient)).as("httpclient of %s vs the engine's %s", declared, engineHttpClient)
                .isEqualTo(majorMinor(engineHttpClient));
    }

    private static String majorMinor(String version) {
        String[] p = version.split("\\.");
        return p[0] + "." + p[1];
    }

    @Test
    void bundlesThePluginJarAndTheEngineOnly() throws IOException {
        List<String> entries = new ArrayList<>();
        try (JarFile hpi = new JarFile(HPI.toFile())) {
            for (JarEntry e : java.util.Collections.list(hpi.entries())) {
                if (!e.isDirectory()) {
                    entries.add(e.getName());
                }
            }
        }
        assertThat(entries).hasSize(4).contains("META-INF/MANIFEST.MF", "WEB-INF/lib/container-build.jar",
                        "WEB-INF/licenses.xml")
                .anyMatch(n -> n.matches("WEB-INF/lib/container-build-engine-[0-9.]+(-SNAPSHOT)?\\.jar"));
        assertThat(entries).noneMatch(n -> n.matches(".*(docker-java|jackson|commons-compress|httpclient5|httpcore5"
                + "|bcp|bcutil|bcprov|sshd|guava|jenkins-api-offline|sezpoz|slf4j).*"));
    }

    /**
     * WEB-INF/licenses.xml, as maven-hpi-plugin builds write it (license-maven-plugin's format: an
     * {@code l:dependencies} root in namespace {@code licenses} naming the plugin, one {@code l:dependency} for the
     * plugin and one per bundled jar, each with its licenses): every jar of WEB-INF/lib has exactly one entry, whose
     * coordinates, name and licenses are those of the pom inside that jar (licenses inherited from the root pom).
     */
    @Test
    void licensesXmlListsEveryBundledJarWithThePomsNameAndLicenses() throws Exception {
        org.w3c.dom.Document doc;
        List<String> libs = new ArrayList<>();
        try (JarFile hpi = new JarFile(HPI.toFile())) {
            JarEntry entry = hpi.getJarEntry("WEB-INF/licenses.xml");
            assertThat(entry).as("WEB-INF/licenses.xml").isNotNull();
            javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            try (InputStream in = hpi.getInputStream(entry)) {
                doc = f.newDocumentBuilder().parse(in);
            }
            for (JarEntry e : java.util.Collections.list(hpi.entries())) {
                if (e.getName().startsWith("WEB-INF/lib/") && e.getName().endsWith(".jar")) {
                    libs.add(Path.of(e.getName()).getFileName().toString());
                }
            }
        }
        org.w3c.dom.Element root = doc.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo("licenses");
        assertThat(root.getLocalName()).isEqualTo("dependencies");
        assertThat(root.getAttribute("groupId")).isEqualTo("io.jenkins.plugins");
        assertThat(root.getAttribute("artifactId")).isEqualTo("container-build");
        assertThat(root.getAttribute("version")).doesNotContain("${").isNotBlank();

        List<String> rootLicenses = licenses(pomElement(Files.readString(Path.of("../pom.xml"))));
        org.w3c.dom.NodeList deps = root.getElementsByTagNameNS("licenses", "dependency");
        Set<String> listed = new TreeSet<>();
        for (int i = 0; i < deps.getLength(); i++) {
            org.w3c.dom.Element d = (org.w3c.dom.Element) deps.item(i);
            String artifactId = d.getAttribute("artifactId");
            String version = d.getAttribute("version");
            String jar = artifactId.equals("container-build") ? "container-build.jar"
                    : artifactId + "-" + version + ".jar";
            assertThat(libs).as("the jar of %s", artifactId).contains(jar);
            assertThat(listed.add(jar)).as("%s listed once", jar).isTrue();
            org.w3c.dom.Element pom;
            java.util.Properties props = new java.util.Properties();
            try (JarFile lib = new JarFile(unpacked.resolve(jar).toFile())) {
                String base = "META-INF/maven/" + d.getAttribute("groupId") + "/" + artifactId + "/";
                JarEntry pomEntry = lib.getJarEntry(base + "pom.xml");
                assertThat(pomEntry).as("the pom inside %s", jar).isNotNull();
                try (InputStream in = lib.getInputStream(pomEntry)) {
                    pom = pomElement(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                try (InputStream in = lib.getInputStream(lib.getJarEntry(base + "pom.properties"))) {
                    props.load(in);
                }
            }
            assertThat(version).as("version of %s", jar).isEqualTo(props.getProperty("version"));
            assertThat(d.getAttribute("name")).as("name of %s", jar).isEqualTo(child(pom, "name"));
            List<String> own = licenses(pom);
            List<String> expected = own.isEmpty() ? rootLicenses : own;
            List<String> written = new ArrayList<>();
            org.w3c.dom.NodeList ls = d.getElementsByTagNameNS("licenses", "license");
            for (int j = 0; j < ls.getLength(); j++) {
                org.w3c.dom.Element l = (org.w3c.dom.Element) ls.item(j);
                written.add(l.getAttribute("name") + " " + l.getAttribute("url"));
            }
            assertThat(written).as("licenses of %s", jar).isEqualTo(expected);
            assertThat(d.getElementsByTagNameNS("licenses", "description").getLength()).isEqualTo(1);
        }
        assertThat(listed).as("every jar of WEB-INF/lib").containsExactlyInAnyOrderElementsOf(libs);
    }

    private static org.w3c.dom.Element pomElement(String xml) throws Exception {
        return javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
    }

    /** The text of a direct child element of the pom. */
    private static String child(org.w3c.dom.Element pom, String name) {
        for (org.w3c.dom.Node n = pom.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }

    /** "name url" of each license the pom declares itself. */
    private static List<String> licenses(org.w3c.dom.Element pom) {
        List<String> out = new ArrayList<>();
        for (org.w3c.dom.Node n = pom.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("licenses")) {
                org.w3c.dom.NodeList ls = e.getElementsByTagName("license");
                for (int i = 0; i < ls.getLength(); i++) {
                    org.w3c.dom.Element l = (org.w3c.dom.Element) ls.item(i);
                    out.add(child(l, "name") + " " + child(l, "url"));
                }
            }
        }
        return out;
    }

    @Test
    void pluginJarHasItsResourcesAndTheManifestThatJep200Accepts() throws IOException {
        try (JarFile jar = new JarFile(unpacked.resolve("container-build.jar").toFile())) {
            Manifest mf = jar.getManifest();
            assertThat(mf.getMainAttributes().getValue("Short-Name")).isEqualTo("container-build");
            assertThat(mf.getMainAttributes().getValue("Plugin-Version")).isNotBlank();
            for (String name : List.of("index.jelly", "io/jenkins/plugins/containerbuild/Messages.properties",
                    "io/jenkins/plugins/containerbuild/ContainerBuildStep/config.jelly",
                    "io/jenkins/plugins/containerbuild/ContainerPushStep/config.jelly",
                    "io/jenkins/plugins/containerbuild/WithContainerDaemonStep/config.jelly",
                    "io/jenkins/plugins/containerbuild/DindDaemon/help-image.html",
                    "io/jenkins/plugins/containerbuild/GlobalDefaultDaemon/config.jelly",
                    "io/jenkins/plugins/containerbuild/GlobalDefaultDaemon/help.html",
                    "io/jenkins/plugins/containerbuild/ContainerBuildBuilder/config.jelly",
                    "io/jenkins/plugins/containerbuild/ContainerBuildConfiguration/global.jelly",
                    "io/jenkins/plugins/containerbuild/NamedRegistry/config.jelly",
                    "io/jenkins/plugins/containerbuild/ContainerBuildAction/index.jelly",
                    "io/jenkins/plugins/containerbuild/ContainerBuildAction/summary.jelly",
                    "META-INF/annotations/hudson.Extension")) {
                assertThat(jar.getEntry(name)).as(name).isNotNull();
            }
            assertThat(jar.stream().map(JarEntry::getName)).noneMatch(n -> n.startsWith("hudson/")
                    || n.startsWith("jenkins/") || n.startsWith("org/"));
        }
    }

    @Test
    void extensionIndexListsEveryExtensionAndTheSymbolIndexEverySymbol() throws Exception {
        Path jar = unpacked.resolve("container-build.jar");
        Set<String> extensions = new TreeSet<>();
        Set<String> symbols = new TreeSet<>();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL(),
                unpacked.resolve(engineJar()).toUri().toURL()}, new FilteringLoader(HpiIT.class.getClassLoader()))) {
            try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    if (e.getName().endsWith(".class")) {
                        Class<?> c = Class.forName(e.getName().replace('/', '.').replaceAll("\\.class$", ""), false, loader);
                        if (c.isAnnotationPresent(Extension.class)) {
                            extensions.add(c.getName());
                        }
                        if (c.isAnnotationPresent(Symbol.class)) {
                            symbols.add(c.getName());
                        }
                    }
                }
            }
            assertThat(extensions).containsExactlyInAnyOrder(
                    "io.jenkins.plugins.containerbuild.ContainerBuildStep$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.ContainerPushStep$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.DoodDaemon$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.DindDaemon$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.TcpDaemon$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.PodmanDaemon$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.GlobalDefaultDaemon$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.ContainerBuildBuilder$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.NamedRegistry$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.PullRegistry$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.SecretMount$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.SshMount$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.WithContainerDaemonStep$DescriptorImpl",
                    "io.jenkins.plugins.containerbuild.ContainerBuildConfiguration");
            Set<String> indexed = new TreeSet<>();
            for (IndexItem<Extension, Object> item : Index.load(Extension.class, Object.class, loader)) {
                indexed.add(item.className());
            }
            assertThat(indexed).as("META-INF/annotations/hudson.Extension").isEqualTo(extensions);

            Set<String> symbolIndex = new TreeSet<>();
            Enumeration<URL> files = loader.getResources("META-INF/services/annotations/org.jenkinsci.Symbol");
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank())
                            .forEach(symbolIndex::add);
                }
            }
            assertThat(symbolIndex).as("META-INF/services/annotations/org.jenkinsci.Symbol").isEqualTo(symbols);
        }
    }

    private static String engineJar() throws IOException {
        try (var files = Files.list(unpacked)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("container-build-engine-"))
                    .findFirst().orElseThrow();
        }
    }

    /**
     * Hides the plugin's own classes of the test class path (target/classes), so that only the packaged jar
     * answers for them, while the Jenkins types (the stand-ins) and libraries still resolve.
     */
    private static final class FilteringLoader extends ClassLoader {
        FilteringLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.jenkins.plugins.containerbuild.") && !name.startsWith("io.jenkins.plugins.containerbuild.engine.")) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith("META-INF/") || name.startsWith("io/jenkins/plugins/containerbuild/") ? null
                    : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/annotations/") || name.startsWith("META-INF/services/annotations/")
                    ? java.util.Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
