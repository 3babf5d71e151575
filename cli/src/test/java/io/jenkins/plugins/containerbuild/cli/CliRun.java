package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the CLI in-process and captures what it printed; plus small helpers shared by the tests. */
record CliRun(int exit, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs with the lab's host daemon as DOCKER_HOST and empty stdin. */
    static CliRun run(String... args) {
        return runWith(labEnv(), "", args);
    }

    static CliRun runWith(Map<String, String> env, String stdin, String... args) {
        return runWith(env, stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    static CliRun runWith(Map<String, String> env, byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = ContainerBuildCli.run(args, new ByteArrayInputStream(stdin), o, e, env);
        }
        CliRun r = new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.err.println("--- containerbuild " + String.join(" ", args) + " -> " + exit + "\n" + r.err);
        return r;
    }

    /** {@code bin/containerbuild} in this checkout. */
    static final Path SCRIPT = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/containerbuild")
            .toAbsolutePath();

    /**
     * Starts {@code bin/containerbuild ARGS} as a real process, as a user would, with {@code env} added to this
     * JVM's environment and stdout and stderr to the files given. SIGINT is set back to its default first (through
     * perl, which then execs the script, which execs the JVM: one process), since a process started in the
     * background of a shell without job control inherits it ignored, and a JVM started so ignores Ctrl-C.
     */
    static Process launch(Path cwd, Map<String, String> env, Path stdout, Path stderr, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!",
                SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    /** The environment that points the CLI at the lab's host daemon. */
    static Map<String, String> labEnv() {
        return Map.of("DOCKER_HOST", "unix://" + Lab.get().hostSocket());
    }

    /** Stdout as the one JSON object it must be, and nothing else. */
    JsonNode json() {
        assertThat(out.strip()).as("stdout").startsWith("{").endsWith("}");
        assertThat(out.strip().lines().count()).as("stdout lines").isEqualTo(1);
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new UncheckedIOException("stdout is not JSON: " + out, e);
        }
    }

    /** Removes the images {@code refs} names from the lab's host daemon (a class's clean-up of what it tagged). */
    static void removeFromHostDaemon(List<String> refs) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(Lab.get().dood(), EventSink.discard())) {
            for (String ref : refs) {
                engine.remove(ref);
            }
        }
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** A context directory with a Dockerfile from {@code base} that copies a file and runs a step. */
    static Path context(Path parent, String base, String marker) {
        try {
            Path dir = Files.createDirectories(parent.resolve("ctx-" + unique()));
            Files.writeString(dir.resolve("hello.txt"), marker + "\n");
            Files.writeString(dir.resolve("Dockerfile"), "FROM " + base + "\n"
                    + "COPY hello.txt /hello.txt\n"
                    + "RUN cat /hello.txt\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code Docker-Content-Digest} the registry reports for a manifest, read with curl as a client would;
     * {@code userPassword} may be null.
     */
    static String registryDigest(String registry, String repository, String tag, String userPassword) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-D", "-",
                "-H", "Accept: application/vnd.docker.distribution.manifest.v2+json"));
        if (userPassword != null) {
            cmd.add("-u");
            cmd.add(userPassword);
        }
        cmd.add("http://" + registry.replace("localhost", "127.0.0.1") + "/v2/" + repository + "/manifests/" + tag);
        Lab.Result r = Lab.exec(cmd, null, true);
        Matcher m = Pattern.compile("(?im)^Docker-Content-Digest:\\s*(\\S+)").matcher(r.stdout());
        assertThat(m.find()).as("Docker-Content-Digest in\n" + r.stdout()).isTrue();
        return m.group(1);
    }

    /** The sidecar id the CLI reported ("DinD sidecar 0123456789ab ready"). */
    static String sidecarId(String stderr) {
        Matcher m = Pattern.compile("DinD sidecar ([0-9a-f]{12}) ready").matcher(stderr);
        assertThat(m.find()).as("sidecar id in stderr").isTrue();
        return m.group(1);
    }
}
