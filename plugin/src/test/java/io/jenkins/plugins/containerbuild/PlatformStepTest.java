package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.lab.ForeignPrograms;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerBuild(platform: ...)} and the freestyle field, on the lab's daemon (linux/amd64, no emulation): the
 * platform travels to the agent and reaches the daemon, a native one builds, a foreign RUN step fails saying what to
 * install.
 */
@ExtendWith(JenkinsStatics.class)
class PlatformStepTest {

    private static Lab lab;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @TempDir
    Path workspace;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    private String platformOf(String tag) {
        return lab.docker("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", tag).strip();
    }

    @Test
    void anExplicitNativePlatformBuilds() throws Exception {
        String id = Fixtures.unique();
        String tag = "containerbuild-plugin/platform-" + id + ":native";
        created.add(tag);
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\nARG TARGETPLATFORM\n"
                + "RUN echo \"target-" + id + "=$TARGETPLATFORM\"\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setTags(List.of(tag));
        build.setNetwork("none");
        build.setPlatform(" linux/amd64 ");
        assertThat(build.getPlatform()).isEqualTo("linux/amd64");

        harness.build(build);

        assertThat(harness.log()).contains("target-" + id + "=linux/amd64").doesNotContain("need emulation");
        assertThat(platformOf(tag)).isEqualTo("linux/amd64");
        assertThat(new String(harness.wire.get(0), StandardCharsets.ISO_8859_1)).as("sent to the agent")
                .contains("linux/amd64");
    }

    @Test
    void thePlatformReachesTheDaemonFromTheStepAndTheFreestyleField() throws Exception {
        String id = Fixtures.unique();
        String step = "containerbuild-plugin/platform-" + id + ":step";
        String freestyle = "containerbuild-plugin/platform-" + id + ":freestyle";
        created.add(step);
        created.add(freestyle);
        // nothing runs, so no emulation is needed: the image is made for arm64 all the same
        Files.writeString(workspace.resolve("Dockerfile"), "FROM scratch\nCOPY data /data\n");
        Files.writeString(workspace.resolve("data"), id + "\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setTags(List.of(step));
        build.setPlatform("linux/arm64");
        harness.build(build);
        assertThat(platformOf(step)).isEqualTo("linux/arm64");
        assertThat(harness.log()).contains("Building for linux/arm64 on a linux/amd64 daemon");

        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags(freestyle);
        builder.setPlatform("${PLATFORM}");
        harness.freestyle(builder, Map.of("PLATFORM", "linux/arm64"));
        assertThat(platformOf(freestyle)).isEqualTo("linux/arm64");
    }

    @Test
    void aForeignPlatformWithoutEmulationFailsWithTheReasonAndWhatToInstall() throws Exception {
        assertThat(ForeignPrograms.arm64Emulated())
                .as("this test needs a machine that cannot run arm64 programs; this one emulates them").isFalse();
        Path hello = workspace.resolve("hello");
        Files.write(hello, ForeignPrograms.aarch64Exit0());
        Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(workspace.resolve("Dockerfile"), "FROM scratch\nCOPY hello /hello\nRUN [\"/hello\"]\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setNetwork("none");
        build.setPlatform("linux/arm64");

        assertThatThrownBy(() -> harness.build(build)).isInstanceOf(AbortException.class)
                .hasMessageContaining("cannot execute programs for linux/arm64 (exec /hello: exec format error)")
                .hasMessageContaining("qemu-user-static and binfmt-support")
                .hasMessageContaining("or build for linux/amd64");
    }

    @Test
    void aBadPlatformFailsWhenTheStepIsRead() throws Exception {
        ContainerBuildStep build = new ContainerBuildStep();
        assertThatThrownBy(() -> build.setPlatform("linux/amd64,linux/arm64")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("build once for each platform");
        assertThatThrownBy(() -> build.setPlatform("arm 64")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linux/amd64 or linux/arm64/v8");
        // the freestyle field takes variables, so a bad value fails when the build expands it
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setPlatform("${PLATFORM}");
        StepHarness harness = new StepHarness(workspace);
        assertThatThrownBy(() -> harness.freestyle(builder, Map.of("PLATFORM", "arm 64")))
                .isInstanceOf(AbortException.class).hasMessageContaining("is not os[/arch[/variant]]");
    }
}
