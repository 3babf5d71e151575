package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A credential helper is never run from the working directory: a PATH with an empty entry ({@code /usr/bin:},
 * {@code :/usr/bin}, {@code /a::/b}) or a relative one ({@code .}, {@code bin}) would otherwise let whoever writes the
 * directory the CLI runs in (a checked-out repository) pick the program that answers the login. Each case is the CLI
 * in a JVM of its own, started in a working directory that holds a {@code docker-credential-NAME} which logs that it
 * ran; the daemon address leads nowhere, so a push that got past the login ends with status 1.
 */
class CredentialHelperPathTest {

    private static final String NAME = "cwdtest" + CliRun.unique();

    @TempDir
    Path dir;

    private Path work;
    private Path config;
    private Path log;

    @BeforeEach
    void setUp() throws Exception {
        work = Files.createDirectories(dir.resolve("work"));
        config = Files.createDirectories(dir.resolve("docker"));
        log = dir.resolve("helper.log");
        Files.writeString(config.resolve("config.json"), "{\"credsStore\": \"" + NAME + "\"}");
        helper(work, "cwd");
        helper(Files.createDirectories(work.resolve("bin")), "relative-bin");
    }

    /** A helper that logs which one it is and holds no login. */
    private void helper(Path in, String which) throws Exception {
        Path script = in.resolve("docker-credential-" + NAME);
        Files.writeString(script, "#!/bin/sh\nread addr\necho '" + which + "' >> '" + log + "'\n"
                + "echo 'credentials not found in native keychain'\nexit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void anEmptyPathEntryDoesNotRunAHelperFromTheWorkingDirectory() throws Exception {
        for (String path : List.of("/usr/bin:/bin:", ":/usr/bin:/bin", "/usr/bin::/bin")) {
            Child r = push(path);
            assertThat(log).as("PATH=%s: no helper ran", path).doesNotExist();
            assertThat(r.exit).as("PATH=%s: a usage error\n%s", path, r.output).isEqualTo(ContainerBuildCli.USAGE);
            assertThat(r.output).contains("docker-credential-" + NAME + ", named by credsStore in "
                            + config.resolve("config.json"),
                    "relative PATH entry '' (an empty entry is the current directory)",
                    "remove that entry from PATH or put the helper's absolute directory before it");
        }
    }

    @Test
    void aRelativePathEntryIsRefusedToo() throws Exception {
        for (String entry : List.of(".", "bin")) {
            Child r = push(entry + ":/usr/bin:/bin");
            assertThat(log).as("PATH entry %s: no helper ran", entry).doesNotExist();
            assertThat(r.exit).as("PATH entry %s\n%s", entry, r.output).isEqualTo(ContainerBuildCli.USAGE);
            assertThat(r.output).contains("relative PATH entry '" + entry + "',", "is not run");
        }
    }

    @Test
    void aHelperInAnAbsoluteDirectoryBeforeTheEmptyEntryStillRuns() throws Exception {
        Path trusted = Files.createDirectories(dir.resolve("trusted"));
        helper(trusted, "absolute");
        Child r = push(trusted + ":/usr/bin:/bin:");
        assertThat(Files.readAllLines(log)).containsExactly("absolute");
        // past the login (none held), the push fails on the daemon address, not on PATH
        assertThat(r.exit).as(r.output).isEqualTo(ContainerBuildCli.FAILED);
        assertThat(r.output).doesNotContain("PATH");
    }

    private record Child(int exit, String output) {}

    /** {@code containerbuild push} in a JVM of its own, in {@link #work}, with {@code PATH} as given. */
    private Child push(String path) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ContainerBuildCli.class.getName(), "push", "--tag", "localhost:5001/cwdtest:1")
                .directory(work.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", path);
        pb.environment().put("DOCKER_CONFIG", config.toString());
        pb.environment().put("DOCKER_HOST", "unix://" + dir.resolve("no-daemon.sock"));
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the CLI ended").isTrue();
            return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }
}
