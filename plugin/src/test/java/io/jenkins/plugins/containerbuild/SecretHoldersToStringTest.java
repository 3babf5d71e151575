package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.when;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.MockedStatic;

/**
 * Nothing that holds a secret shows it in {@code toString()} (docs/credentials.md). The credentials come from
 * Jenkins through {@link Fixtures#secret}, whose {@code toString()} returns the plain text as the real
 * {@code hudson.util.Secret} does, so a secret that slips into a string through its {@code Secret} shows here too.
 */
@ExtendWith(JenkinsStatics.class)
class SecretHoldersToStringTest {

    private final Run<?, ?> run = mock(Run.class);

    @Test
    void noHolderOfAPasswordOrKeyShowsIt() throws Exception {
        String password = "pw-" + Fixtures.unique() + "-Xk9";
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        String keyBody = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(g.generateKeyPair().getPrivate().getEncoded());
        String keyPem = "-----BEGIN PRIVATE KEY-----\n" + keyBody + "\n-----END PRIVATE KEY-----\n";

        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials up = mock(StandardUsernamePasswordCredentials.class);
            when(up.getUsername()).thenReturn("ci");
            hudson.util.Secret passwordSecret = Fixtures.secret(password);
            when(up.getPassword()).thenReturn(passwordSecret);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("reg"),
                    eq(StandardUsernamePasswordCredentials.class), any())).thenReturn(up);
            DockerServerCredentials tls = mock(DockerServerCredentials.class);
            hudson.util.Secret keySecret = Fixtures.secret(keyPem);
            when(tls.getClientKeySecret()).thenReturn(keySecret);
            when(tls.getClientCertificate()).thenReturn("-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n");
            when(tls.getServerCaCertificate()).thenReturn("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
            provider.when(() -> CredentialsProvider.findCredentialById(eq("tls"), eq(DockerServerCredentials.class),
                    any())).thenReturn(tls);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("tls"), eq(IdCredentials.class), any()))
                    .thenReturn(tls);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("reg"), eq(IdCredentials.class), any()))
                    .thenReturn(up);

            RegistryLogin login = CredentialsLookup.registryLogin("reg", run);
            ResolvedDaemon.TlsPem pem = CredentialsLookup.clientCertificate("tls", run);
            ResolvedDaemon daemon = ResolvedDaemon.tcp("tcp://127.0.0.1:2376", pem);
            // the fixture really is as leaky as the real Secret: a test that would catch a leak
            assertThat(tls.getClientKeySecret().toString()).isEqualTo(keyPem);
            assertThat(up.getPassword() + "").isEqualTo(password);
            // the values really hold the secrets (so that what follows is not vacuous)
            assertThat(login.password()).isEqualTo(password);
            assertThat(pem.keyPem()).isEqualTo(keyPem);
            assertThat(daemon.secrets()).containsExactly(keyPem);

            List<Object> holders = new ArrayList<>();
            holders.add(login);
            holders.add(login.toEngine());
            holders.add(pem);
            holders.add(daemon);
            holders.add(daemon.endpoint());
            if (daemon.endpoint() instanceof io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Tcp t) {
                holders.add(t.tls());
            }
            holders.add(PushRequest.builder().tag("localhost:5000/a:1").credentials(login.toEngine()).build());
            TaskListener listener = mock(TaskListener.class);
            holders.add(new PushImageCallable(daemon, List.of("localhost:5000/a:1"), Map.of(), login, 1,
                    Duration.ofMinutes(1), false, listener));
            ContainerBuildStep step = new ContainerBuildStep();
            step.setTags(List.of("a:1"));
            ResolvedInputs inputs = new ResolvedInputs(Map.of("localhost:5001", login),
                    Map.of("token", password.getBytes(StandardCharsets.UTF_8)),
                    Map.of("default", List.of(new ResolvedInputs.KeyText(keyPem, password))), "dist");
            holders.add(inputs);
            holders.add(new ResolvedInputs.KeyText(keyPem, password));
            holders.add(new BuildImageCallable(step, daemon, inputs, listener));

            for (Object h : holders) {
                String s = String.valueOf(h);
                assertThat(s).as("toString of %s", h.getClass().getName())
                        .doesNotContain(password)
                        .doesNotContain("PRIVATE KEY");
                for (String line : keyBody.lines().toList()) {
                    assertThat(s).as("toString of %s", h.getClass().getName()).doesNotContain(line);
                }
            }
        }
    }
}
