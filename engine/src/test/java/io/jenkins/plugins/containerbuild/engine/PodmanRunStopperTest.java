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
    void rootsServiceGetsARelativeCgroupPathOfItsOwnWhateverItsManager() throws IOException {
        // Buildah runs the runtime with its cgroupfs driver for builds: the path is a cgroupfs one, relative as
        // Buildah's default is (beside the service's cgroup), for either manager
        for (String manager : new String[] {"cgroupfs", "systemd"}) {
            for (String version : new String[] {"v1", "v2"}) {
                assertThat(parent(manager, version, false)).as("%s %s", manager, version).isEqualTo(MARKER);
            }
        }
    }

    @Test
    void aRootlessServiceGetsOneOnlyUnderASystemdUserSessionOnCgroupV2() throws IOException {
        assertThat(parent("systemd", "v2", true)).isEqualTo(MARKER);
        assertThat(parent("cgroupfs", "v1", true)).as("rootless cgroupfs").isNull();
        assertThat(parent("cgroupfs", "v2", true)).as("rootless cgroupfs on v2: no delegated tree").isNull();
        assertThat(parent("systemd", "v1", true)).as("rootless on cgroup v1").isNull();
    }

    @Test
    void anInfoThatDoesNotSayWhetherItIsRootlessGetsNone() throws IOException {
        assertThat(PodmanRunStopper.decide("unix:///x.sock", Json.read("{\"host\":{}}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)), MARKER, Path.of("/proc")).cgroupParent()).isNull();
    }

    @Test
    void onlyBuildahsLineThatCreatingTheContainerFailedOnTheCgroupIsARefusal() throws IOException {
        PodmanRunStopper stopper = PodmanRunStopper.decide("unix:///refusal-" + MARKER + ".sock",
                info("cgroupfs", "v1", false), MARKER, Path.of("/proc"));
        assertThat(stopper.refusedBy(new BuildFailedException("STEP 2/2: RUN cat /proc/self/cgroup", "exit status 1",
                java.util.List.of("12:pids:/" + MARKER, "boom")))).as("the step printing its cgroup").isFalse();
        assertThat(stopper.refusedBy(new ContainerEngineException("the daemon went away near " + MARKER)))
                .as("not a failed step").isFalse();
        assertThat(stopper.refusedBy(new BuildFailedException("STEP 2/2: RUN true", "while running runtime: exit"
                + " status 1", java.util.List.of("error running container: from /usr/bin/runc creating container for"
                + " [/bin/sh -c true]: time=\"x\" level=error msg=\"runc create failed: unable to apply cgroup"
                + " configuration: mkdir /sys/fs/cgroup/cpuset/" + MARKER + ": permission denied\"")))).isTrue();
    }

    @Test
    void aProcessIsInTheBuildsCgroupByAWholePathSegmentInAnyHierarchy() {
        assertThat(PodmanRunStopper.inCgroup("12:pids:/" + MARKER + "\n0::/\n", MARKER)).isTrue();
        assertThat(PodmanRunStopper.inCgroup("0::/system.slice/" + MARKER + "\n", MARKER)).as("beside a service")
                .isTrue();
        assertThat(PodmanRunStopper.inCgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/" + MARKER
                + "\n", MARKER)).as("in a user's delegated tree").isTrue();
        assertThat(PodmanRunStopper.inCgroup("0::/system.slice/" + MARKER + ".scope\n", MARKER)).isFalse();
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

    private static String report(java.util.Set<Long> killed, java.util.Set<Long> refused, java.util.Set<Long> monitors,
                                 java.util.List<Long> remaining, boolean cutShort) throws IOException {
        return report(killed, refused, monitors, java.util.Set.of(), remaining, cutShort);
    }

    private static String report(java.util.Set<Long> killed, java.util.Set<Long> refused, java.util.Set<Long> monitors,
                                 java.util.Set<Long> ended, java.util.List<Long> remaining, boolean cutShort)
            throws IOException {
        PodmanRunStopper stopper = PodmanRunStopper.decide("unix:///x.sock", info("cgroupfs", "v1", false), MARKER,
                Path.of("/proc"));
        io.jenkins.plugins.containerbuild.engine.event.EngineEvent e =
                stopper.report(new PodmanRunStopper.Outcome(killed, refused, monitors, ended, remaining, cutShort));
        return e.getClass().getSimpleName() + ": " + (e instanceof io.jenkins.plugins.containerbuild.engine.event.EngineEvent.Phase p
                ? p.message() : ((io.jenkins.plugins.containerbuild.engine.event.EngineEvent.Warning) e).message());
    }

    @Test
    void theLogSaysWhatTheStopDidAndNeverMore() throws IOException {
        java.util.Set<Long> none = java.util.Set.of();
        assertThat(report(none, none, none, java.util.List.of(), false)).startsWith("Phase: Found no process of the"
                + " aborted build's cgroup " + MARKER + " in this host's /proc: no RUN step was running, or Podman runs"
                + " where this agent cannot see its processes");
        assertThat(report(java.util.Set.of(1L, 2L), none, none, java.util.List.of(), false))
                .isEqualTo("Phase: Stopped the aborted build's RUN step on Podman (2 processes in its cgroup " + MARKER + ")");
        assertThat(report(none, java.util.Set.of(1L), java.util.Set.of(9L), java.util.List.of(), false))
                .isEqualTo("Phase: Stopped the aborted build's RUN step on Podman (1 process in its cgroup " + MARKER
                        + ", through Buildah's monitor)");
        assertThat(report(none, java.util.Set.of(1L), none, java.util.List.of(), false)).as("refused, then ended")
                .isEqualTo("Phase: The aborted build's RUN step ended by itself (its processes in the cgroup " + MARKER
                        + " could not be signalled)");
        assertThat(report(java.util.Set.of(1L), none, none, java.util.Set.of(2L), java.util.List.of(), false))
                .as("the shell killed, its sleep killed by the kernel with it")
                .isEqualTo("Phase: Stopped the aborted build's RUN step on Podman (2 processes in its cgroup " + MARKER + ")");
        assertThat(report(none, none, none, java.util.Set.of(1L), java.util.List.of(), false)).as("ended while looked at")
                .isEqualTo("Phase: The aborted build's RUN step ended by itself (its processes in the cgroup " + MARKER
                        + " ended before they were signalled)");
        String start = "Warning: The aborted build's RUN step could not be stopped: processes [1, 2] in its cgroup "
                + MARKER + " go on: ";
        assertThat(report(none, java.util.Set.of(1L, 2L), none, java.util.List.of(1L, 2L), false))
                .startsWith(start + "they run as a user this engine may not signal (the engine runs as uid ")
                .endsWith("); run the agent as the Podman service's user, or stop them on the host (kill -9 1 2).");
        assertThat(report(java.util.Set.of(1L, 2L), none, none, java.util.List.of(1L, 2L), false))
                .isEqualTo(start + "they still run 20 s after SIGKILL; stop them on the host (kill -9 1 2).");
        assertThat(report(none, java.util.Set.of(1L, 2L), java.util.Set.of(9L), java.util.List.of(1L, 2L), false))
                .isEqualTo(start + "they still run after Buildah's monitor was asked to stop them; stop them on the"
                        + " host (kill -9 1 2).");
        assertThat(report(none, java.util.Set.of(1L, 2L), none, java.util.List.of(1L, 2L), true))
                .isEqualTo(start + "the stop was itself aborted; stop them on the host (kill -9 1 2).");
    }

    /**
     * The step's shell is the init of the container's PID namespace, so the kernel kills its sleep with it, often
     * before the stop comes to the sleep: a process found in the cgroup and gone by then counts as stopped. Two real
     * processes of the test's own, in a proc tree of its own; killing either takes the other with it.
     */
    @Test
    void aProcessThatWentWithTheOneKilledCountsAsStopped(@TempDir Path proc) throws Exception {
        Process shell = new ProcessBuilder("sleep", "300").start();
        Process sleep = new ProcessBuilder("sleep", "301").start();
        try {
            for (Process p : java.util.List.of(shell, sleep)) {
                process(proc, Long.toString(p.pid()), "12:pids:/" + MARKER + "\n", p.pid() + " (sleep) S 1");
            }
            java.util.List<Long> signalled = new java.util.ArrayList<>();
            PodmanRunStopper stopper = PodmanRunStopper.decide("unix:///x.sock", info("cgroupfs", "v1", false), MARKER,
                    proc).signallingWith(p -> {
                        signalled.add(p.pid());
                        for (Process gone : java.util.List.of(shell, sleep)) { // out of the cgroup, and killed
                            try {
                                Files.delete(proc.resolve(Long.toString(gone.pid())).resolve("cgroup"));
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            gone.destroyForcibly();
                        }
                        return true;
                    }, p -> false);
            PodmanRunStopper.Outcome o = stopper.stop();
            assertThat(signalled).as("one signal: the other went with it").hasSize(1);
            java.util.Set<Long> both = new java.util.HashSet<>(o.killed());
            both.addAll(o.ended());
            assertThat(o.ended()).doesNotContainAnyElementsOf(o.killed());
            assertThat(both).containsExactlyInAnyOrder(shell.pid(), sleep.pid());
            assertThat(o.remaining()).isEmpty();
            assertThat(((io.jenkins.plugins.containerbuild.engine.event.EngineEvent.Phase) stopper.report(o)).message())
                    .isEqualTo("Stopped the aborted build's RUN step on Podman (2 processes in its cgroup " + MARKER + ")");
        } finally {
            shell.destroyForcibly();
            sleep.destroyForcibly();
        }
    }

    private static void process(Path proc, String pid, String cgroup, String stat) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(pid));
        Files.writeString(dir.resolve("cgroup"), cgroup);
        Files.writeString(dir.resolve("stat"), stat);
    }
}
