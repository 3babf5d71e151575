package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.when;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.model.Run;
import java.nio.file.Path;
import java.util.List;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/** Credentials are resolved on the controller, by id in the run's context, with errors a user can act on. */
@ExtendWith(JenkinsStatics.class)
class CredentialsLookupTest {

    @TempDir
    Path workspace;

    private final Run<?, ?> run = mock(Run.class);

    /** Some other kind of credentials, such as a secret file. */
    interface OtherCredentials extends StandardCredentials {}

    @Test
    void wrongKindNamesTheExpectedKindAndIsNotTracked() {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            OtherCredentials other = mock(OtherCredentials.class);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("ssh-key"), eq(IdCredentials.class), any()))
                    .thenReturn(other);

            assertThatThrownBy(() -> CredentialsLookup.registryLogin("ssh-key", run))
                    .isInstanceOf(AbortException.class)
                    .hasMessageContaining("'ssh-key'")
                    .hasMessageContaining("needs Username with password (or registry token) credentials");
            assertThatThrownBy(() -> CredentialsLookup.clientCertificate("ssh-key", run))
                    .isInstanceOf(AbortException.class)
                    .hasMessageContaining("needs X.509 Client Certificate credentials");
            provider.verify(() -> CredentialsProvider.track(any(Run.class), any()), org.mockito.Mockito.never());
        }
    }

    @Test
    void missingCredentialsSayWhatToAdd() {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            assertThatThrownBy(() -> CredentialsLookup.registryLogin("nope", run))
                    .isInstanceOf(AbortException.class)
                    .hasMessage("Credentials 'nope' were not found (or this build may not use them): add Username"
                            + " with password (or registry token) credentials with this id, or fix credentialsId.");
            provider.verify(() -> CredentialsProvider.track(any(Run.class), any()), org.mockito.Mockito.never());
        }
    }

    @Test
    void foundCredentialsAreTrackedAndTheLoginNeverPrintsThePassword() throws Exception {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials c = mock(StandardUsernamePasswordCredentials.class);
            when(c.getUsername()).thenReturn("ci");
            hudson.util.Secret password = Fixtures.secret("s3cret-value");
            when(c.getPassword()).thenReturn(password);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("reg"),
                    eq(StandardUsernamePasswordCredentials.class), eq(run))).thenReturn(c);

            RegistryLogin login = CredentialsLookup.registryLogin("reg", run);

            provider.verify(() -> CredentialsProvider.track(run, c));
            assertThat(login.toEngine().username()).isEqualTo("ci");
            assertThat(login.toEngine().password()).isEqualTo("s3cret-value");
            assertThat(login).hasToString("RegistryLogin[ci, ****]");
            assertThat(StepHarness.roundTrip(login).toEngine().password()).isEqualTo("s3cret-value");
        }
    }

    @Test
    void incompleteClientCertificateIsRefused() {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            DockerServerCredentials c = mock(DockerServerCredentials.class);
            when(c.getClientCertificate()).thenReturn("-----BEGIN CERTIFICATE-----");
            provider.when(() -> CredentialsProvider.findCredentialById(eq("tls"), eq(DockerServerCredentials.class),
                    any())).thenReturn(c);

            assertThatThrownBy(() -> CredentialsLookup.clientCertificate("tls", run))
                    .isInstanceOf(AbortException.class).hasMessage("Credentials 'tls' lack the client key or the client"
                            + " certificate: fill in both (the server CA certificate may stay empty when a CA of the"
                            + " agent JVM's trust store signed the daemon's certificate).");
        }
    }

    /**
     * docker-commons allows X.509 credentials without a server CA: they are used, and the daemon is then verified
     * against the agent JVM's trust store (engine JvmTrustStoreTest), never not at all.
     */
    @Test
    void aClientCertificateWithoutServerCaVerifiesAgainstTheJvmTrustStore() throws Exception {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            DockerServerCredentials c = mock(DockerServerCredentials.class);
            when(c.getClientCertificate()).thenReturn("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
            hudson.util.Secret key = Fixtures.secret("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----");
            when(c.getClientKeySecret()).thenReturn(key);
            when(c.getServerCaCertificate()).thenReturn(" ");
            provider.when(() -> CredentialsProvider.findCredentialById(eq("tls"), eq(DockerServerCredentials.class),
                    any())).thenReturn(c);

            ResolvedDaemon.TlsPem pem = CredentialsLookup.clientCertificate("tls", run);

            assertThat(pem.caPem()).isNull();
            provider.verify(() -> CredentialsProvider.track(run, c));
            io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Tcp endpoint =
                    (io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Tcp)
                            ResolvedDaemon.tcp("tcp://build-host:2376", pem).endpoint();
            assertThat(endpoint.tls().verify()).isTrue();
            assertThat(endpoint.tls().verifiesWithJvmTrustStore()).isTrue();
        }
    }

    @Test
    void aPushWithWrongCredentialsFailsBeforeReachingTheAgent() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            provider.when(() -> CredentialsProvider.findCredentialById(eq("ssh-key"), eq(IdCredentials.class), any()))
                    .thenReturn(mock(OtherCredentials.class));
            ContainerPushStep push = new ContainerPushStep();
            push.setTags(List.of("localhost:5000/app:1"));
            push.setCredentialsId("ssh-key");

            assertThatThrownBy(() -> harness.push(push)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("Username with password");
            org.mockito.Mockito.verify(harness.filePath, org.mockito.Mockito.never()).act(any());
        }
    }
}
