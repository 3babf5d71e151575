package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which cgroup a Podman build is given, from the service's {@code /libpod/info}, and how its processes are told
 * apart in {@code /proc}. The stop itself runs against the lab's Podman in {@code PodmanTest} and
 * {@code PodmanRootlessTest}.
 */
class PodmanRunStopperTest {

    private static final String MARKER = PodmanRunStopper.PREFIX + "0123456789abcdef0123456789abcdef";

    private static JsonNode info(String manager, String version, boolean rootless) throws IOException {
        return Json.read(("{\"host\":{\"cgroupManager\":\"" + manager + "\",\"cgroupVersion\":\"" + version
                + "\",\"security\":{\"rootless\":" + rootless + "}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String parent(String manager, String version, boolean rootless) throws IOException {
        return PodmanRunStopper.decide("unix:///x.sock", info(manager, version, rootless), MARKER, Path.of("/proc"))
                .cgroupParent();
    }

    @Test
    void rootfulCgroupfsGetsAPathOfItsOwnAtTheTop() throws IOException {
        assertThat(parent("cgroupfs", "v1", false)).isEqualTo("/" + MARKER);
        assertThat(parent("cgroupfs", "v2", false)).isEqualTo("/" + MARKER);
    }

    @Test
    void systemdGetsAScopeInTheRuntimesSlicePrefixNameForm() throws IOException {
        assertThat(parent("systemd", "v2", false)).isEqualTo("system.slice:containerbuild:0123456789abcdef0123456789abcdef");
        assertThat(parent("systemd", "v1", false)).isEqualTo("system.slice:containerbuild:0123456789abcdef0123456789abcdef");
        assertThat(parent("systemd", "v2", true)).isEqualTo("user.slice:containerbuild:0123456789abcdef0123456789abcdef");
    }

    @Test
    void noCgroupWherePodmanCannotMakeOne() throws IOException {
        assertThat(parent("cgroupfs", "v1", true)).as("rootless cgroupfs").isNull();
        assertThat(parent("cgroupfs", "v2", true)).as("rootless cgroupfs on v2").isNull();
        assertThat(parent("systemd", "v1", true)).as("rootless on cgroup v1").isNull();
        assertThat(parent("", "", false)).as("an info without the fields").isNull();
    }

    @Test
    void aProcessIsInTheBuildsCgroupByAWholePathSegmentInAnyHierarchy() {
        assertThat(PodmanRunStopper.inCgroup("12:pids:/" + MARKER + "\n0::/\n", MARKER)).isTrue();
        assertThat(PodmanRunStopper.inCgroup("0::/system.slice/" + MARKER + ".scope\n", MARKER)).isTrue();
        assertThat(PodmanRunStopper.inCgroup("0::/user.slice/user-1000.slice/user@1000.service/user.slice/" + MARKER
                + ".scope\n", MARKER)).isTrue();
        assertThat(PodmanRunStopper.inCgroup("12:pids:/" + MARKER + "0\n", MARKER)).as("a longer name").isFalse();
        assertThat(PodmanRunStopper.inCgroup("12:pids:/x" + MARKER + "\n", MARKER)).as("a name ending in it").isFalse();
        assertThat(PodmanRunStopper.inCgroup("12:pids:/\n0::/init.scope\n", MARKER)).isFalse();
        assertThat(PodmanRunStopper.inCgroup("", MARKER)).isFalse();
    }

    @Test
    void aZombieIsToldByTheStateAfterItsCommandEvenWhenTheCommandHasParentheses() {
        assertThat(PodmanRunStopper.zombie("123 (sleep) Z 1 123 123 0 -1")).isTrue();
        assertThat(PodmanRunStopper.zombie("123 (a) b) S 1 123 123 0 -1")).isFalse();
        assertThat(PodmanRunStopper.zombie("123 (a) Z) S 1 123 123 0 -1")).as("a Z inside the command").isFalse();
        assertThat(PodmanRunStopper.zombie("")).isFalse();
    }

    @Test
    void theMembersAreTheLiveProcessesOfTheCgroupInTheProcTreeGiven(@TempDir Path proc) throws IOException {
        process(proc, "101", "12:pids:/" + MARKER + "\n", "101 (sh) S 100");
        process(proc, "102", "12:pids:/" + MARKER + "\n", "102 (sleep) S 101");
        process(proc, "103", "12:pids:/" + MARKER + "\n", "103 (sleep) Z 101");
        process(proc, "104", "12:pids:/other\n", "104 (sleep) S 1");
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("self").resolve("cgroup"), "12:pids:/" + MARKER + "\n");
        Files.createDirectories(proc.resolve("105")); // gone while looked at: no files
        PodmanRunStopper stopper = PodmanRunStopper.decide("unix:///x.sock", info("cgroupfs", "v1", false), MARKER, proc);
        assertThat(stopper.members()).containsExactlyInAnyOrder(101L, 102L);
    }

    private static void process(Path proc, String pid, String cgroup, String stat) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(pid));
        Files.writeString(dir.resolve("cgroup"), cgroup);
        Files.writeString(dir.resolve("stat"), stat);
    }
}
