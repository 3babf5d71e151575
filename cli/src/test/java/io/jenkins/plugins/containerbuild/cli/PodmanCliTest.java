package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.StepLeftovers;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --podman}: without {@code --host} and {@code DOCKER_HOST}, the CLI uses Podman's socket, found as Podman's
 * tools find it (the lab's Podman is reached through {@code CONTAINER_HOST}); builds and pushes work there, the log
 * names Podman, and what cannot work says so.
 */
class PodmanCliTest {

    @TempDir
    Path dir;

    private final Lab lab = Lab.get();

    private Map<String, String> containerHost() {
        return Map.of("CONTAINER_HOST", "unix://" + lab.podman().socket());
    }

    @Test
    void buildsAndPushesOnPodmanFoundThroughContainerHost() {
        String id = CliRun.unique();
        String repo = "cli-test/podman-" + id;
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        Path context = CliRun.context(dir, lab.baseImage(), "on-podman-" + id);
        try {
            CliRun built = CliRun.runWith(containerHost(), "", "build", "--podman", "--context", context.toString(),
                    "--tag", tag, "--network", "none", "--json");
            assertThat(built.exit()).as(built.err()).isZero();
            String imageId = built.json().path("imageId").asText();
            assertThat(imageId).isEqualTo(lab.podman().docker("image", "inspect", "-f", "{{.Id}}", tag).strip());
            assertThat(built.err()).contains("Connected to unix://" + lab.podman().socket() + " (Podman ",
                    ", builds with Buildah; API 1.41)", "with Buildah (Podman ", "    | on-podman-" + id)
                    .doesNotContainIgnoringCase("buildkit");

            CliRun pushed = CliRun.runWith(containerHost(), "", "push", "--podman", "--tag", tag, "--json");
            assertThat(pushed.exit()).as(pushed.err()).isZero();
            assertThat(pushed.json().path("digests").path(tag).asText())
                    .isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "1", null));
        } finally {
            lab.podman().tryRun("rmi", "-f", tag);
        }
    }

    @Test
    void dockerHostComesBeforePodmansSocket() {
        String tag = "cli-test/podman-docker-host-" + CliRun.unique() + ":1";
        Path context = CliRun.context(dir, lab.baseImage(), "docker-host");
        Map<String, String> env = Map.of("DOCKER_HOST", "unix://" + lab.hostSocket(),
                "CONTAINER_HOST", "unix://" + lab.podman().socket());
        try {
            CliRun r = CliRun.runWith(env, "", "build", "--podman", "--context", context.toString(), "--tag", tag,
                    "--network", "none", "--builder", "classic");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("Connected to unix://" + lab.hostSocket() + " (API ").doesNotContain("Podman");
            assertThat(lab.podman().tryRun("image", "inspect", tag).exitCode()).as("not built on Podman").isNotZero();
        } finally {
            lab.docker("rmi", "-f", tag);
        }
    }

    @Test
    void withoutPodmansSocketTheErrorSaysHowToStartIt() {
        assertThat(PodmanSocket.ROOT_SOCKET).as("precondition: no root Podman socket on this machine").doesNotExist();
        Path context = CliRun.context(dir, lab.baseImage(), "never");
        CliRun r = CliRun.runWith(Map.of(), "", "build", "--podman", "--context", context.toString(), "--tag", "a:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("Podman's socket /run/podman/podman.sock does not exist",
                "systemctl enable --now podman.socket", "CONTAINER_HOST").doesNotContain("\tat ");
    }

    @Test
    void buildKitOnlyOptionsOnPodmanFailWithWhatToUse() throws Exception {
        Path context = CliRun.context(dir, lab.baseImage(), "never");
        java.nio.file.Files.writeString(dir.resolve("token"), "not-a-real-token");
        CliRun r = CliRun.runWith(containerHost(), "", "build", "--podman", "--context", context.toString(),
                "--tag", "a:1", "--secret", "id=token,src=" + dir.resolve("token"));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("has no BuildKit session, which secrets need",
                "build on a Docker Engine daemon with BuildKit").doesNotContain("not-a-real-token");
    }

    @Test
    void podmanWithHostOrDindIsAUsageError() {
        Path context = CliRun.context(dir, lab.baseImage(), "never");
        CliRun withHost = CliRun.runWith(Map.of(), "", "build", "--podman", "--host", "unix:///x.sock",
                "--context", context.toString(), "--tag", "a:1");
        assertThat(withHost.exit()).isEqualTo(2);
        assertThat(withHost.err()).contains("--podman looks for Podman's socket and --host names a daemon");
        CliRun withDind = CliRun.runWith(Map.of(), "", "push", "--podman", "--dind", "dind:local", "--tag", "a:1");
        assertThat(withDind.exit()).isEqualTo(2);
        assertThat(withDind.err()).contains("--dind starts its sidecar on a Docker Engine, not on Podman");
    }

    /**
     * Ctrl-C (SIGINT) during a RUN step on Podman: the CLI exits 130 once the step is stopped (Podman itself would
     * let it run to its end), says so, and the step's processes and Buildah's build container are gone.
     */
    @Test
    void anInterruptStopsTheRunningStepOnPodman() throws Exception {
        String marker = "podman-interrupt-" + CliRun.unique();
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        String base = "localhost/cli-podman-interrupt-" + CliRun.unique() + ":1";
        lab.podman().docker("tag", lab.baseImage(), base);
        Path ctx = java.nio.file.Files.createDirectories(dir.resolve("ctx"));
        java.nio.file.Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + "\nRUN echo " + marker + " && "
                + sleep + "\n");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        String tag = "cli-test/podman-interrupted-" + CliRun.unique() + ":1";
        Process cli = CliRun.launch(dir, containerHost(), out, err, "build", "--podman", "--context", ctx.toString(),
                "--tag", tag, "--network", "none");
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
            while (!StepLeftovers.running(sleep)) {
                assertThat(cli.isAlive()).as("still building: %s", java.nio.file.Files.readString(err)).isTrue();
                assertThat(System.nanoTime()).as("the step never ran: %s", java.nio.file.Files.readString(err))
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            Lab.exec(java.util.List.of("kill", "-INT", Long.toString(cli.pid())), null, true);
            assertThat(cli.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the CLI ended").isTrue();
            assertThat(StepLeftovers.running(sleep)).as("the step's process is gone when the CLI ends").isFalse();
        } finally {
            cli.destroyForcibly();
        }
        try {
            String stderr = java.nio.file.Files.readString(err);
            assertThat(cli.exitValue()).as(stderr).isEqualTo(130);
            assertThat(stderr).contains("Stopped the aborted build's RUN step on Podman (", "interrupted");
            String name = base.substring("localhost/".length(), base.lastIndexOf(':'));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (lab.podmanCli("ps", "-a", "--external", "--format", "{{.Image}}").contains(name)
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(lab.podmanCli("ps", "-a", "--external", "--format", "{{.Image}}"))
                    .as("Buildah's build container was removed").doesNotContain(name);
            assertThat(lab.podman().tryRun("image", "inspect", tag).exitCode()).as("nothing tagged").isNotZero();
        } finally {
            lab.podman().tryRun("rmi", "-f", base, tag);
        }
    }
}
