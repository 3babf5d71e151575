package io.jenkins.plugins.containerbuild.engine;

import static io.jenkins.plugins.containerbuild.engine.HostileTextDaemon.assertPrintable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every string a daemon (or a registry behind it) supplies reaches the events, the errors and the results with its
 * control characters escaped: a host name the daemon asks credentials for, step names, step output, sub-tasks,
 * warnings, step errors, error lines, layer statuses, image ids and digests, each carrying a line break before a
 * forged {@code ==> Pushed ...} line and terminal escapes ({@link HostileTextDaemon}).
 */
@Timeout(120)
class HostileDaemonTextTest {

    @TempDir
    Path tmp;

    private BuildRequest request(String tag) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM registry.example.com/base:1\nRUN make\n");
        return BuildRequest.builder(ctx).tag(tag)
                .pullCredentials("registry.example.com", new RegistryCredentials("ci", "pw")).build();
    }

    @Test
    void aFailedBuildReportsTheDaemonsTextEscaped() throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        RecordingSink sink = new RecordingSink();
        try (HostileTextDaemon daemon = new HostileTextDaemon(socket);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            assertThatThrownBy(() -> new BuildImageStep(connection, request("hostile-text:fail"), sink).call())
                    .isInstanceOf(ContainerEngineException.class)
                    .satisfies(e -> assertPrintable(e.getMessage()));
            assertThat(daemon.scriptFailure()).isNull();
        }
        assertThat(sink.allText()).as("the daemon asked for the hostile host")
                .contains("credentials for evil.example.com\\n==> Pushed localhost:5000/forged:1");
        assertPrintable(sink.allText());
    }

    @Test
    void anImageIdFromTheDaemonIsEscaped() throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        RecordingSink sink = new RecordingSink();
        try (HostileTextDaemon daemon = new HostileTextDaemon(socket);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildImageStep.Built built = new BuildImageStep(connection, request("hostile-text:succeed"), sink).call();
            assertPrintable(built.imageId());
        }
        assertPrintable(sink.allText());
    }

    @Test
    void aPushReportsTheDaemonsAndTheRegistrysTextEscaped() throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        RecordingSink sink = new RecordingSink();
        try (HostileTextDaemon daemon = new HostileTextDaemon(socket);
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(socket), sink)) {
            PushResult pushed = engine.push(PushRequest.builder().tag("localhost:5000/hostile-text:ok").build());
            assertPrintable(pushed.digests().toString());
            assertThatThrownBy(() -> engine.push(PushRequest.builder().tag("localhost:5000/hostile-text:no")
                    .build()))
                    .isInstanceOf(ContainerEngineException.class)
                    .satisfies(e -> assertPrintable(e.getMessage()));
        }
        assertPrintable(sink.allText());
    }
}
