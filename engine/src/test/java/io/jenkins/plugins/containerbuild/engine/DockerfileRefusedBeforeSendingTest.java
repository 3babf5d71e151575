package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dockerfiles the engine refuses before any build request leaves: one without a build stage (Docker 20.10's BuildKit
 * panics on it and the daemon exits, killing every build on it) and a Dockerfile named in the context that links out
 * of it. Played against a daemon of the test's own ({@link SessionPlayingDaemon}), never the lab's: should the
 * refusal fail, the file reaches only that fake, which answers any build with an image id.
 */
class DockerfileRefusedBeforeSendingTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void aDockerfileWithoutFromIsNeverSent(BuilderKind kind) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "# only a global argument\nARG X=1\n");
        SessionPlayingDaemon daemon = assertRefused(ctx, kind, "has no build stage", "FROM");
        assertThat(daemon.requestLines()).isNotEmpty(); // the engine did reach the daemon, and then sent no build
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void aDefaultDockerfileLinkingOutOfTheContextIsNeverSent(BuilderKind kind) throws Exception {
        Files.writeString(tmp.resolve("outside.Dockerfile"), "FROM busybox:local\nRUN echo outside\n");
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.createSymbolicLink(ctx.resolve("Dockerfile"), Path.of("../outside.Dockerfile"));
        assertRefused(ctx, kind, ctx.resolve("Dockerfile") + " is a symbolic link that leads out of the build context",
                "the dockerfile option");
    }

    private SessionPlayingDaemon assertRefused(Path ctx, BuilderKind kind, String... message) throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        try (SessionPlayingDaemon daemon = new SessionPlayingDaemon(socket, (session, methods) -> { });
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildRequest request = BuildRequest.builder(ctx).tag("refused-before-sending:test").builderKind(kind)
                    .build();
            assertThatThrownBy(() -> new BuildImageStep(connection, request, new RecordingSink()).call())
                    .isInstanceOf(BuildContextException.class)
                    .hasMessageContainingAll(message);
            assertThat(daemon.requestLines()).as("requests the daemon received")
                    .noneMatch(l -> l.contains("/build") || l.contains("/session"));
            return daemon;
        } finally {
            Files.deleteIfExists(socket);
        }
    }
}
