package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.ForeignPrograms;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code BuildRequest.platform}: an explicit native platform builds, and the platform reaches the daemon (the
 * request carries it, and an image made for linux/arm64 without running anything says arm64); a RUN step of a
 * platform the daemon cannot execute (this machine has no emulation for arm64) fails with the daemon's reason and
 * what to install.
 */
class PlatformTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void anExplicitNativePlatformBuildsAndIsSentToTheDaemon(BuilderKind builder, @TempDir Path dir) throws Exception {
        String tag = "cb-platform-native:" + LabSupport.unique(builder.toString());
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nARG TARGETPLATFORM\n"
                + "RUN echo \"target=$TARGETPLATFORM\"\n");
        RecordingSink events = new RecordingSink();
        try (RecordingSocketProxy proxy = new RecordingSocketProxy(dir.resolve("d.sock"), lab.hostSocket());
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(proxy.socket()), events)) {
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none")
                    .platform("linux/amd64").builderKind(builder).noCache(true).build());
            assertThat(built.imageId()).startsWith("sha256:");
            assertThat(proxy.sentText()).contains("platform=linux%2Famd64");
        } finally {
            lab.run(null, "rmi", "-f", tag);
        }
        if (builder == BuilderKind.BUILDKIT) { // the classic builder sets no TARGETPLATFORM
            assertThat(events.allText()).contains("target=linux/amd64");
        }
        assertThat(events.allText()).doesNotContain("need emulation");
    }

    @Test
    void anImageMadeForAnotherPlatformWithoutRunningAnythingSaysThatPlatform(@TempDir Path dir) throws Exception {
        String tag = "cb-platform-arm64:" + LabSupport.unique("copy");
        LabSupport.context(dir, "FROM scratch\nCOPY data /data\n", "data", "no program runs here\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").platform("linux/arm64").build());
            assertThat(lab.docker("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", tag).strip())
                    .isEqualTo("linux/arm64");
        } finally {
            lab.run(null, "rmi", "-f", tag);
        }
        assertThat(events.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(EngineEvent.Warning.class,
                w -> assertThat(w.message()).contains("Building for linux/arm64 on a linux/amd64 daemon")
                        .contains("need emulation for linux/arm64")));
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void aForeignPlatformWithoutEmulationFailsWithTheReasonAndWhatToInstall(BuilderKind builder, @TempDir Path dir)
            throws Exception {
        assertThat(ForeignPrograms.arm64Emulated())
                .as("this test needs a machine that cannot run arm64 programs; this one emulates them").isFalse();
        Path hello = dir.resolve("hello");
        Files.write(hello, ForeignPrograms.aarch64Exit0());
        Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rwxr-xr-x"));
        LabSupport.context(dir, "FROM scratch\nCOPY hello /hello\nRUN [\"/hello\"]\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).networkMode("none")
                    .platform("linux/arm64").builderKind(builder).build()))
                    .isInstanceOfSatisfying(PlatformUnsupportedException.class,
                            e -> assertThat(e.platform()).isEqualTo("linux/arm64"))
                    .hasMessageContaining("(linux/amd64) cannot execute programs for linux/arm64")
                    .hasMessageContaining("exec /hello: exec format error")
                    .hasMessageContaining("qemu-user-static and binfmt-support")
                    .hasMessageContaining("tonistiigi/binfmt --install arm64")
                    .hasMessageContaining("or build for linux/amd64");
        }
    }

    @Test
    void aPlatformThatIsNotOsArchIsRefusedBeforeAnyDaemonIsAsked(@TempDir Path dir) {
        assertThatThrownBy(() -> BuildRequest.builder(dir).platform("linux/amd64,linux/arm64"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("build once for each platform");
        assertThatThrownBy(() -> BuildRequest.builder(dir).platform("Linux AMD64"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("os[/arch[/variant]]");
        assertThat(BuildRequest.builder(dir).platform("linux/arm64/v8").build().platform()).isEqualTo("linux/arm64/v8");
        assertThat(BuildRequest.builder(dir).platform(" ").build().platform()).isNull();
    }
}
