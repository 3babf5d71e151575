package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.reference.InvalidReferenceException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each mistake a user can make gets its own exception and a message that says what to do. */
class BadInputTest {

    private final Lab lab = Lab.get();

    @Test
    void missingSocketIsUnreachable(@TempDir Path dir) {
        Path socket = dir.resolve("no-daemon.sock");
        assertThatThrownBy(() -> ContainerEngine.connect(new DaemonEndpoint.UnixSocket(socket), new RecordingSink()))
                .isInstanceOf(DaemonUnreachableException.class)
                .hasMessageContaining(socket.toString())
                .hasMessageContaining("check that it runs");
    }

    @Test
    void closedTcpPortIsUnreachable() throws Exception {
        // a port bound and never listened on refuses connections, and nobody else can take it while it is held
        try (Socket held = new Socket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = held.getLocalPort();
            DaemonEndpoint endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + port), null, false);
            assertThatThrownBy(() -> ContainerEngine.connect(endpoint, new RecordingSink()))
                    .isInstanceOf(DaemonUnreachableException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void clientCertificateFromAnotherCaIsATlsError() throws Exception {
        Path c = lab.certs();
        TlsMaterial other = TlsMaterial.fromFiles(c.resolve("ca.pem"), c.resolve("other-client-cert.pem"),
                c.resolve("other-client-key.pem"), true);
        DaemonEndpoint endpoint = new DaemonEndpoint.Tcp(lab.tlsUri(), other, false);
        FaultCheck check = FaultCheck.begin(LabSupport.unique("BadInputTest"));
        RecordingSink events = new RecordingSink();
        Throwable error = catchThrowable(() -> ContainerEngine.connect(endpoint, events));
        assertThat(error).isInstanceOf(DaemonTlsException.class)
                .hasMessageContaining("TLS");
        check.assertClean(error, events);
    }

    @Test
    void daemonCertificateFromAnUntrustedCaIsATlsError(@TempDir Path dir) throws Exception {
        Path c = lab.certs();
        TlsMaterial wrongCa = TlsMaterial.fromFiles(c.resolve("other-ca.pem"), c.resolve("client-cert.pem"),
                c.resolve("client-key.pem"), true);
        FaultCheck check = FaultCheck.begin(LabSupport.unique("BadInputTest"));
        RecordingSink events = new RecordingSink();
        Throwable error = catchThrowable(() -> ContainerEngine.connect(new DaemonEndpoint.Tcp(lab.tlsUri(), wrongCa, false), events));
        assertThat(error).isInstanceOf(DaemonTlsException.class)
                .hasMessageContaining("CA");
        check.assertClean(error, events);
        FaultCheck.assertNextBuildSucceeds(lab.tls(), lab.baseImage(), dir);
    }

    @Test
    void plainTcpToARemoteHostIsRefusedUnlessAllowed() {
        assertThatThrownBy(() -> new DaemonEndpoint.Tcp(URI.create("tcp://192.0.2.10:2375"), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not loopback");
        assertThat(new DaemonEndpoint.Tcp(URI.create("tcp://192.0.2.10:2375"), null, true).uri().getPort()).isEqualTo(2375);
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void missingBaseImage(BuilderKind kind, @TempDir Path dir) throws Exception {
        // a loopback registry answers "manifest unknown": nothing reaches the internet
        LabSupport.context(dir, "FROM " + lab.plainRegistry() + "/lab/does-not-exist:1\nRUN true\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build()))
                    .isInstanceOf(BaseImageMissingException.class)
                    .hasMessageContaining("does-not-exist")
                    .hasMessageContaining("fix the FROM line");
        }
    }

    @Test
    void missingDockerfile(@TempDir Path dir) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).build()))
                    .isInstanceOf(DockerfileMissingException.class)
                    .hasMessageContaining(dir.resolve("Dockerfile").toString())
                    .hasMessageContaining("create it");
        }
    }

    @Test
    void missingContextDirectory(@TempDir Path dir) throws Exception {
        Path absent = dir.resolve("absent");
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(absent).dockerfile(dir.resolve("Dockerfile")).build()))
                    .isInstanceOf(BuildContextException.class)
                    .hasMessageContaining(absent.toString());
        }
    }

    @Test
    void badTagsAreRefusedBeforeAnyDaemonCall(@TempDir Path dir) {
        BuildRequest.Builder b = BuildRequest.builder(dir);
        assertThatThrownBy(() -> b.tag("Upper/Case:1")).isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("Upper/Case:1").hasMessageContaining("lowercase");
        assertThatThrownBy(() -> b.tag("a b")).isInstanceOf(InvalidReferenceException.class);
        assertThatThrownBy(() -> b.tag("")).isInstanceOf(InvalidReferenceException.class);
        assertThatThrownBy(() -> PushRequest.builder().tag("x:" + "t".repeat(200))).isInstanceOf(InvalidReferenceException.class);
        assertThatThrownBy(() -> b.buildArg("A=B", "c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without '='");
    }

    @Test
    void pushTimeoutsOutsideOneSecondToAWeekAreRefusedNamingTheLimit() {
        assertThatThrownBy(() -> PushRequest.builder().timeout(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give a positive duration");
        // a deadline this far away would overflow the nanosecond arithmetic of the push's deadline
        assertThatThrownBy(() -> PushRequest.builder().timeout(java.time.Duration.ofHours(999_999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give at most 168 hours");
        assertThat(PushRequest.builder().tag("x:1").timeout(PushRequest.MAX_TIMEOUT).build().timeout())
                .isEqualTo(java.time.Duration.ofDays(7));
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void failingStepIsNamedWithItsLastOutput(BuilderKind kind, @TempDir Path dir) throws Exception {
        String mark = LabSupport.unique("failing-step");
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo first-line " + mark
                + " && echo last-words && exit 3\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build()))
                    .isInstanceOfSatisfying(BuildFailedException.class, e -> {
                        assertThat(e.step()).contains("RUN echo first-line");
                        assertThat(e.lastLines()).contains("last-words");
                        assertThat(e.getMessage()).contains("last-words").contains("Fix the Dockerfile");
                    });
        }
        if (kind == BuilderKind.CLASSIC) {
            // the classic builder runs each step in a container of the daemon's; BuildKit makes none there. This
            // build's container is the one whose command holds the mark (other tests use the same daemon)
            assertThat(lab.docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}").lines()
                    .filter(l -> l.contains(mark)).toList())
                    .as("the classic builder's intermediate container is removed (forcerm)").isEmpty();
        }
    }
}
