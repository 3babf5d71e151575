package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code bin/containerbuild} as a real process, as a user would. */
class LauncherScriptTest {

    private static final Path SCRIPT = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("bin/containerbuild").toAbsolutePath();

    @TempDir
    Path dir;

    private Process start(Path cwd, Path stdout, Path stderr, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(SCRIPT.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().put("DOCKER_HOST", "unix://" + Lab.get().hostSocket());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    @Test
    void buildsWithPathsRelativeToTheWorkingDirectory() throws Exception {
        Lab lab = Lab.get();
        assertThat(Files.isExecutable(SCRIPT)).as(SCRIPT + " executable").isTrue();
        // the Dockerfile lies outside the context; both are given relative to the process's directory
        Path context = Files.createDirectories(dir.resolve("app"));
        Files.writeString(context.resolve("data.txt"), "from-the-context\n");
        Path dockerfiles = Files.createDirectories(dir.resolve("dockerfiles"));
        Files.writeString(dockerfiles.resolve("Custom.dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "ARG WHO\nCOPY data.txt /data.txt\nRUN cat /data.txt && echo \"hello $WHO\"\n");
        String tag = "cli-test/launcher-" + CliRun.unique() + ":1";
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        try {
            Process p = start(dir, out, err, "build", "--context", "app", "--file", "dockerfiles/Custom.dockerfile",
                    "--tag", tag, "--build-arg", "WHO=script", "--network", "none", "--no-cache", "--json");
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String stderr = Files.readString(err);
            String stdout = Files.readString(out);
            System.err.println(stderr);

            assertThat(p.exitValue()).as(stderr).isZero();
            assertThat(stdout.strip().lines().count()).as("stdout: " + stdout).isEqualTo(1);
            JsonNode json = new ObjectMapper().readTree(stdout);
            assertThat(json.path("imageId").asText()).startsWith("sha256:");
            assertThat(json.path("tags").get(0).asText()).isEqualTo(tag);
            assertThat(json.path("cachedSteps").asInt()).as("--no-cache").isZero();
            assertThat(stderr).contains("    | from-the-context", "    | hello script").doesNotContain("SLF4J");
        } finally {
            try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), EventSink.discard())) {
                engine.remove(tag);
            }
        }
    }

    @Test
    void usageErrorExitsTwoFromTheScript() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = start(dir, out, err, "build", "--context", ".", "--tag", "UPPER/x");
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(out)).isEmpty();
        assertThat(Files.readString(err)).contains("UPPER/x", "Usage: containerbuild build");
    }

    @Test
    void makesItsStartUpCacheAndIgnoresAGarbledOne() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process first = start(dir, out, err, "--help");
        assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(err)).isZero();
        String help = Files.readString(out);
        assertThat(help).startsWith("Usage: containerbuild COMMAND");

        Path cacheDir = SCRIPT.getParent().getParent().resolve("cli/target/jvm-cache");
        List<Path> caches;
        try (var files = Files.list(cacheDir)) {
            caches = files.filter(f -> f.toString().endsWith(".aot") || f.toString().endsWith(".jsa")).toList();
        }
        assertThat(caches).as("a start-up cache in " + cacheDir).hasSize(1);
        Path cache = caches.get(0);
        assertThat(Files.size(cache)).isGreaterThan(1024 * 1024);
        assertThat(cacheDir.resolve(cache.getFileName() + ".failed")).doesNotExist();

        // a cache the JVM cannot read (still newer than the jars): the CLI runs without it and says nothing
        Files.writeString(cache, "not a cache");
        try {
            Process second = start(dir, out, err, "--help");
            assertThat(second.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(second.exitValue()).isZero();
            assertThat(Files.readString(out)).isEqualTo(help);
            assertThat(Files.readString(err)).isEmpty();
        } finally {
            Files.deleteIfExists(cache); // the next run makes a good one again
        }
    }

    @Test
    void sigtermAbortsTheBuildAndRemovesTheSidecar() throws Exception {
        Lab lab = Lab.get();
        Path context = Files.createDirectories(dir.resolve("slow"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.registryBaseImage() + "\n"
                + "RUN echo slow-step-started && sleep 300\n");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = start(dir, out, err, "build", "--context", "slow", "--tag", "cli-test/slow:1",
                "--network", "none", "--dind", lab.dindImage(), "--dind-security", "capabilities");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(err, StandardCharsets.UTF_8).contains("slow-step-started")) {
            assertThat(p.isAlive()).as("still building: " + Files.readString(err)).isTrue();
            assertThat(System.nanoTime()).as("the slow step never started").isLessThan(deadline);
            Thread.sleep(200);
        }
        String sidecar = CliRun.sidecarId(Files.readString(err));
        assertThat(lab.docker("ps", "-q", "--filter", "id=" + sidecar).strip()).isNotEmpty();

        p.destroy(); // SIGTERM to the JVM (the script exec'd it)

        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the CLI ended after SIGTERM").isTrue();
        String stderr = Files.readString(err);
        System.err.println(stderr);
        assertThat(p.exitValue()).as("interrupted, whatever the signal").isEqualTo(130);
        assertThat(stderr).contains("DinD sidecar " + sidecar + " removed", "interrupted");
        assertThat(lab.docker("ps", "-a", "-q", "--filter", "id=" + sidecar).strip()).isEmpty();
    }
}
