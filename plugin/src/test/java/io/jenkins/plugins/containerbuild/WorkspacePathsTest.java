package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** context and dockerfile name files in the workspace; nothing may lead out of it. */
@ExtendWith(JenkinsStatics.class)
class WorkspacePathsTest {

    @TempDir
    Path dir;

    @Test
    void pathsInsideResolve() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        assertThat(WorkspacePaths.resolve(ws, ".", "Build context")).isEqualTo(ws.toAbsolutePath());
        assertThat(WorkspacePaths.resolve(ws, "a/../b/Dockerfile", "Dockerfile")).isEqualTo(ws.resolve("b/Dockerfile"));
        assertThat(WorkspacePaths.resolve(ws, ws.resolve("c").toString(), "Build context")).isEqualTo(ws.resolve("c"));
    }

    @Test
    void pathsEscapingAreRefused() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.createDirectories(dir.resolve("outside"));
        for (String escape : new String[] {"..", "../outside", "sub/../../outside", "/etc", dir.resolve("outside").toString()}) {
            assertThatThrownBy(() -> WorkspacePaths.resolve(ws, escape, "Build context"))
                    .as(escape)
                    .isInstanceOf(AbortException.class)
                    .hasMessage("Build context '" + escape + "' is outside the workspace " + ws.toAbsolutePath()
                            + ": give a path inside the workspace.");
        }
    }

    @Test
    void symbolicLinksLeadingOutAreRefused() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("Dockerfile"), "FROM scratch\n");
        Files.createSymbolicLink(ws.resolve("link"), outside);

        assertThatThrownBy(() -> WorkspacePaths.resolve(ws, "link", "Build context"))
                .isInstanceOf(AbortException.class).hasMessageContaining("outside the workspace");
        assertThatThrownBy(() -> WorkspacePaths.resolve(ws, "link/Dockerfile", "Dockerfile"))
                .isInstanceOf(AbortException.class).hasMessageContaining("outside the workspace");
    }

    @Test
    void theBuildStepRefusesAnEscapingContextOnTheAgentBeforeTouchingTheDaemon() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(ws.resolve("Dockerfile"), "FROM scratch\n");
        StepHarness harness = new StepHarness(ws);

        ContainerBuildStep escapeContext = new ContainerBuildStep();
        escapeContext.setContext("../..");
        assertThatThrownBy(() -> harness.build(escapeContext)).isInstanceOf(AbortException.class)
                .hasMessageStartingWith("Build context '../..' is outside the workspace");

        ContainerBuildStep escapeDockerfile = new ContainerBuildStep();
        escapeDockerfile.setDockerfile("../Dockerfile");
        escapeDockerfile.setDaemon(unreachable());
        assertThatThrownBy(() -> harness.build(escapeDockerfile)).isInstanceOf(AbortException.class)
                .hasMessageStartingWith("Dockerfile '../Dockerfile' is outside the workspace");
        assertThat(harness.log()).doesNotContain("Connected");
    }

    @Test
    void aSymlinkedDefaultDockerfileLeadingOutIsRefused() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path outside = Files.writeString(dir.resolve("secret-outside"), "FROM scratch\n");
        Files.createDirectories(ws.resolve("app"));
        Files.createSymbolicLink(ws.resolve("app/Dockerfile"), outside);
        StepHarness harness = new StepHarness(ws);

        ContainerBuildStep step = new ContainerBuildStep();
        step.setContext("app");
        step.setDaemon(unreachable());
        assertThatThrownBy(() -> harness.build(step)).isInstanceOf(AbortException.class)
                .hasMessageStartingWith("Dockerfile 'app/Dockerfile' is outside the workspace");
        assertThat(harness.log()).doesNotContain("Connected");
    }

    /** A socket that does not exist: reaching the daemon would fail differently. */
    private DoodDaemon unreachable() {
        DoodDaemon d = new DoodDaemon();
        d.setSocket(dir.resolve("no-such.sock").toString());
        return d;
    }
}
