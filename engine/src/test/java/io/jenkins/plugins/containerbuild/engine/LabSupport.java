package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** Small helpers shared by the lab-backed engine tests. */
final class LabSupport {

    private LabSupport() {}

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Writes a Dockerfile and any extra files into {@code dir}. */
    static Path context(Path dir, String dockerfile, String... namesAndContents) throws IOException {
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        for (int i = 0; i + 1 < namesAndContents.length; i += 2) {
            Path p = dir.resolve(namesAndContents[i]);
            Files.createDirectories(p.getParent());
            Files.writeString(p, namesAndContents[i + 1]);
        }
        return dir;
    }

    /**
     * Builds a small image with unique content on the host daemon, tagged {@code keep} so that it stays while
     * push tests add and remove tags of their own; returns its id.
     */
    static String buildKeptImage(Path dir, String keep) throws Exception {
        return buildKeptImage(Lab.get().engine20(), dir, keep);
    }

    /** {@link #buildKeptImage(Path, String)} on one of the lab's daemons. */
    static String buildKeptImage(Lab.Daemon daemon, Path dir, String keep) throws Exception {
        context(dir, "FROM " + daemon.baseImage() + "\nCOPY data /data\n", "data", unique("payload"));
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            return engine.build(BuildRequest.builder(dir).tag(keep).build()).imageId();
        }
    }

    /** The digest the plain registry serves for {@code repo:tag}, read over HTTP from the registry itself. */
    static String registryDigest(String registry, String repo, String tag) throws IOException, InterruptedException {
        return registryDigest(registry, repo, tag, null);
    }

    /**
     * The digest a lab registry serves for {@code repo:tag}, read from the registry itself: over TLS with the lab CA
     * for the TLS registry, with basic auth when {@code credentials} are given.
     */
    static String registryDigest(String registry, String repo, String tag, RegistryCredentials credentials)
            throws IOException, InterruptedException {
        Lab lab = Lab.get();
        boolean tls = registry.equals(lab.tlsRegistry());
        HttpRequest.Builder head = HttpRequest.newBuilder(URI.create((tls ? "https://" : "http://")
                        + (tls ? registry : registry.replace("localhost", "127.0.0.1"))
                        + "/v2/" + repo + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                // the containerd image store pushes OCI manifests; distribution 2.8 hides them from a Docker-only Accept
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .header("Accept", "application/vnd.oci.image.manifest.v1+json");
        if (credentials != null) {
            head.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (credentials.username() + ":" + credentials.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        HttpClient.Builder client = HttpClient.newBuilder();
        if (tls) {
            client.sslContext(labCaContext(lab.certs().resolve("ca.pem")));
        }
        HttpResponse<Void> r = client.build().send(head.build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("registry answered " + r.statusCode() + " for " + repo + ":" + tag);
        }
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    private static javax.net.ssl.SSLContext labCaContext(Path caPem) throws IOException {
        try (var in = Files.newInputStream(caPem)) {
            var ca = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            var store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("lab-ca", ca);
            var trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            var context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot trust the lab CA " + caPem + ": " + e.getMessage(), e);
        }
    }

    /** Containers on the host daemon that carry the project's owner label with this owner. */
    static List<String> labelledContainers(String owner) {
        return labelledContainers(Lab.get().engine20(), owner);
    }

    /** Containers on {@code daemon} that carry the project's owner label with this owner. */
    static List<String> labelledContainers(Lab.Daemon daemon, String owner) {
        String out = daemon.docker("ps", "-aq", "--filter", "label=io.jenkins.containerbuild.owner=" + owner);
        return out.lines().filter(s -> !s.isBlank()).toList();
    }

    static void removeImages(String... refs) {
        removeImages(Lab.get().engine20(), refs);
    }

    static void removeImages(Lab.Daemon daemon, String... refs) {
        for (String r : refs) {
            if (r != null) {
                daemon.tryRun("rmi", "-f", r);
            }
        }
    }
}
