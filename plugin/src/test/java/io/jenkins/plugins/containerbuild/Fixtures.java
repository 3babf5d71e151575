package io.jenkins.plugins.containerbuild;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.util.Secret;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.mockito.MockedStatic;

/** Small builders shared by the tests: build contexts, unique names, credentials as Jenkins would hand them out. */
final class Fixtures {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Fixtures() {}

    static String unique() {
        return Long.toString(ProcessHandle.current().pid(), 36) + "-" + System.nanoTime() % 1_000_000 + "-"
                + COUNTER.incrementAndGet();
    }

    /** A context directory {@code dir/name} with a Dockerfile from {@code base} whose RUN prints {@code marker}. */
    static Path context(Path dir, String name, String base, String marker) {
        try {
            Path context = Files.createDirectories(dir.resolve(name));
            Files.writeString(context.resolve("Dockerfile"), "FROM " + base + "\n"
                    + "ARG GREETING=none\n"
                    + "COPY hello.txt /hello.txt\n"
                    + "RUN echo " + marker + " $GREETING && cat /hello.txt\n");
            Files.writeString(context.resolve("hello.txt"), "hello from the context\n");
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A secret as Jenkins hands it out. Like the real {@code hudson.util.Secret}, whose {@code toString()} returns the
     * plain text (deprecated, but it does), so that a secret concatenated into a message or a {@code toString} shows.
     */
    static Secret secret(String plain) {
        Secret s = mock(Secret.class);
        when(s.getPlainText()).thenReturn(plain);
        when(s.toString()).thenReturn(plain);
        return s;
    }

    /** Registry credentials with the lab's user and password, as CredentialsProvider finds them by {@code id}. */
    static StandardUsernamePasswordCredentials registryCredentials(MockedStatic<CredentialsProvider> provider, String id,
                                                                  Lab lab) {
        StandardUsernamePasswordCredentials c = mock(StandardUsernamePasswordCredentials.class);
        when(c.getUsername()).thenReturn(lab.fact("LAB_REGISTRY_USER"));
        Secret password = secret(lab.registryPassword());
        when(c.getPassword()).thenReturn(password);
        provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(StandardUsernamePasswordCredentials.class), any()))
                .thenReturn(c);
        provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(IdCredentials.class), any()))
                .thenReturn(c);
        return c;
    }

    /**
     * Docker server credentials holding {@code tls} (CA, client certificate and key), as CredentialsProvider finds
     * them by {@code id} as {@link DockerServerCredentials}.
     */
    static DockerServerCredentials tlsCredentials(MockedStatic<CredentialsProvider> provider, String id,
                                                  TlsMaterial tls) {
        DockerServerCredentials c = mock(DockerServerCredentials.class);
        Secret key = secret(tls.keyPem());
        when(c.getClientKeySecret()).thenReturn(key);
        when(c.getClientCertificate()).thenReturn(tls.certPem());
        when(c.getServerCaCertificate()).thenReturn(tls.caPem());
        provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(DockerServerCredentials.class), any()))
                .thenReturn(c);
        return c;
    }

    /**
     * The digest a lab registry (plain or htpasswd) serves for {@code reference} ({@code HOST:PORT/REPO:TAG}), read
     * from the registry itself as its {@code Docker-Content-Digest}, the same reference the engine tests use.
     */
    static String registryDigest(Lab lab, String reference) throws IOException, InterruptedException {
        int slash = reference.indexOf('/');
        int colon = reference.lastIndexOf(':');
        String registry = reference.substring(0, slash);
        HttpRequest.Builder head = HttpRequest.newBuilder(URI.create("http://" + registry.replace("localhost",
                        "127.0.0.1") + "/v2/" + reference.substring(slash + 1, colon) + "/manifests/"
                        + reference.substring(colon + 1)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .header("Accept", "application/vnd.oci.image.manifest.v1+json");
        if (registry.equals(lab.authRegistry())) {
            head.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((lab.fact("LAB_REGISTRY_USER")
                    + ":" + lab.registryPassword()).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<Void> r = HttpClient.newHttpClient().send(head.build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("the registry answered " + r.statusCode() + " for " + reference);
        }
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }
}
