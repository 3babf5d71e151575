package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The docker CLI's forms users type, each built by {@code containerbuild} and by {@code /usr/bin/docker build} on the
 * lab's daemon with the same builder, and the results compared: {@code --build-arg NAME} takes the value from the
 * environment (an unset one is left to the Dockerfile's default), {@code --file -} reads the Dockerfile from stdin,
 * {@code --context -} reads the context from stdin (a tar, or a lone Dockerfile). A tar that would write outside the
 * context is refused, with nothing written.
 */
class DockerCliFormsTest {

    private final Lab lab = Lab.get();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void aBuildArgWithoutValueTakesTheEnvironments(String builder) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "ARG FROM_ENV\nARG NOT_SET=its-default\n"
                + "RUN echo \"$FROM_ENV $NOT_SET\" > /out.txt\n");
        String ours = "it/cli-forms-env-" + CliRun.unique() + ":" + builder;
        String theirs = "it/cli-forms-env-docker-" + CliRun.unique() + ":" + builder;
        try {
            Map<String, String> env = new HashMap<>(CliRun.labEnv());
            env.put("FROM_ENV", "from the environment");
            CliRun r = CliRun.runWith(env, "", "build", "--context", ctx.toString(), "--tag", ours, "--builder",
                    builder, "--network", "none", "--build-arg", "FROM_ENV", "--build-arg", "NOT_SET");
            assertThat(r.exit()).as(r.err()).isZero();
            lab.run(Map.of("DOCKER_BUILDKIT", dockerBuildkit(builder), "FROM_ENV", "from the environment"), "build",
                    "-q", "--network", "none", "-t", theirs, "--build-arg", "FROM_ENV", "--build-arg", "NOT_SET",
                    ctx.toString());
            String expected = fileOf(theirs, "/out.txt");
            assertThat(expected).isEqualTo("from the environment its-default\n");
            assertThat(fileOf(ours, "/out.txt")).isEqualTo(expected);
        } finally {
            CliRun.removeFromHostDaemon(List.of(ours, theirs));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void theDockerfileFromStdin(String builder) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("app.txt"), "app\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\nRUN echo not-this-one\n");
        String dockerfile = "FROM " + lab.baseImage() + "\nCOPY . /ctx/\nRUN echo from-stdin > /ctx/stdin.txt\n";
        Path dockerfileFile = Files.writeString(tmp.resolve("stdin.Dockerfile"), dockerfile);
        String ours = "it/cli-forms-stdin-" + CliRun.unique() + ":" + builder;
        String theirs = "it/cli-forms-stdin-docker-" + CliRun.unique() + ":" + builder;
        List<Path> before = stdinLeftovers();
        try {
            CliRun r = CliRun.runWith(CliRun.labEnv(), dockerfile, "build", "--context", ctx.toString(), "--file",
                    "-", "--tag", ours, "--builder", builder, "--network", "none");
            assertThat(r.exit()).as(r.err()).isZero();
            Lab.exec(List.of("/bin/sh", "-c", "DOCKER_BUILDKIT=" + dockerBuildkit(builder) + " /usr/bin/docker -H unix://"
                    + lab.hostSocket() + " build -q --network none -t " + theirs + " -f - " + ctx + " < "
                    + dockerfileFile), null, true);
            String expected = listing(theirs);
            assertThat(expected).contains("app.txt", "stdin.txt", "Dockerfile");
            assertThat(listing(ours)).isEqualTo(expected);
            assertThat(fileOf(ours, "/ctx/stdin.txt")).isEqualTo("from-stdin\n");
            assertThat(stdinLeftovers()).as("temporary Dockerfiles left").isEqualTo(before);
        } finally {
            CliRun.removeFromHostDaemon(List.of(ours, theirs));
        }
    }

    @ParameterizedTest
    @CsvSource({"classic,tar", "buildkit,tar", "classic,tar.gz", "buildkit,tar.gz"})
    void theContextAsATarFromStdin(String builder, String format) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("app.txt"), "app\n");
        Files.writeString(Files.createDirectories(ctx.resolve("sub/deeper")).resolve("x.sh"), "#!/bin/sh\n");
        Lab.exec(List.of("chmod", "0750", ctx.resolve("sub/deeper/x.sh").toString()), null, true);
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("app.txt"));
        // no .dockerignore: docker build - sends the tar as it is and applies none, the CLI applies the tar's
        Files.writeString(Files.createDirectories(ctx.resolve("build")).resolve("Dockerfile.x"),
                "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n");
        Path tar = tmp.resolve("ctx." + format);
        Lab.exec(List.of("tar", format.equals("tar") ? "-cf" : "-czf", tar.toString(), "-C", ctx.toString(), "."),
                null, true);
        String ours = "it/cli-forms-tar-" + CliRun.unique() + ":" + builder;
        String theirs = "it/cli-forms-tar-docker-" + CliRun.unique() + ":" + builder;
        List<Path> before = stdinLeftovers();
        try {
            CliRun r = runWithStdin(Files.readAllBytes(tar), "build", "--context", "-", "--file", "build/Dockerfile.x",
                    "--tag", ours, "--builder", builder, "--network", "none");
            assertThat(r.exit()).as(r.err()).isZero();
            Lab.exec(List.of("/bin/sh", "-c", "DOCKER_BUILDKIT=" + dockerBuildkit(builder) + " /usr/bin/docker -H unix://"
                    + lab.hostSocket() + " build -q --network none -t " + theirs + " -f build/Dockerfile.x - < " + tar),
                    null, true);
            String expected = stats(theirs);
            assertThat(expected).contains("/ctx/sub/deeper/x.sh 750 regular file", "/ctx/link 777 symbolic link",
                    "/ctx/build/Dockerfile.x");
            assertThat(stats(ours)).isEqualTo(expected);
            assertThat(stdinLeftovers()).as("temporary contexts left").isEqualTo(before);
        } finally {
            CliRun.removeFromHostDaemon(List.of(ours, theirs));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void aLoneDockerfileAsTheContext(String builder) throws Exception {
        Path dockerfile = Files.writeString(tmp.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN ls -a / > /root.txt\n");
        String ours = "it/cli-forms-lone-" + CliRun.unique() + ":" + builder;
        String theirs = "it/cli-forms-lone-docker-" + CliRun.unique() + ":" + builder;
        try {
            CliRun r = runWithStdin(Files.readAllBytes(dockerfile), "build", "--context", "-", "--tag", ours,
                    "--builder", builder, "--network", "none");
            assertThat(r.exit()).as(r.err()).isZero();
            Lab.exec(List.of("/bin/sh", "-c", "DOCKER_BUILDKIT=" + dockerBuildkit(builder) + " /usr/bin/docker -H unix://"
                    + lab.hostSocket() + " build -q --network none -t " + theirs + " - < " + dockerfile), null, true);
            assertThat(fileOf(ours, "/root.txt")).isEqualTo(fileOf(theirs, "/root.txt")).contains("bin");
        } finally {
            CliRun.removeFromHostDaemon(List.of(ours, theirs));
        }
    }

    /** Tars that would write outside the context: refused before any daemon is contacted, nothing written. */
    @ParameterizedTest
    @ValueSource(strings = {"dot-dot", "absolute", "through-a-link", "hard-link-out"})
    void aTarThatWouldWriteOutsideTheContextIsRefused(String kind) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            file(tar, "Dockerfile", "FROM " + lab.baseImage() + "\n");
            switch (kind) {
                case "dot-dot" -> file(tar, "sub/../../../" + tmp.relativize(outside.resolve("x.txt")), "escaped\n");
                case "absolute" -> file(tar, outside.resolve("x.txt").toString(), "escaped\n");
                case "through-a-link" -> {
                    TarArchiveEntry link = new TarArchiveEntry("l", TarArchiveEntry.LF_SYMLINK);
                    link.setLinkName(outside.toString());
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                    file(tar, "l/x.txt", "escaped\n");
                }
                default -> {
                    TarArchiveEntry hard = new TarArchiveEntry("h", TarArchiveEntry.LF_LINK);
                    hard.setLinkName("../outside/x.txt");
                    tar.putArchiveEntry(hard);
                    tar.closeArchiveEntry();
                }
            }
        }
        Files.writeString(outside.resolve("x.txt"), "untouched\n");
        List<Path> before = stdinLeftovers();
        CliRun r = CliRun.runWith(Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"), bytes.toByteArray(),
                "build", "--context", "-", "--tag", "it/never-built:x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--context -").containsAnyOf("outside the context", "symbolic link",
                "not a file unpacked before it");
        assertThat(Files.readString(outside.resolve("x.txt"))).isEqualTo("untouched\n");
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.toList()).containsExactly(outside.resolve("x.txt"));
        }
        assertThat(stdinLeftovers()).as("temporary contexts left").isEqualTo(before);
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws java.io.IOException {
        byte[] b = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        e.setMode(0100644);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    /**
     * A tar on stdin whose names are not ASCII, read by a CLI started with {@code LANG=POSIX} (its JVM decodes file
     * names as ASCII): the names are made with their bytes, not refused as paths the JVM cannot encode.
     */
    @Test
    void aTarOnStdinKeepsNonAsciiNamesUnderAPosixLocale() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n");
        Files.writeString(ctx.resolve("clé.txt"), "accent\n");
        Files.createSymbolicLink(ctx.resolve("lien-vers-clé"), Path.of("clé.txt"));
        Path tar = tmp.resolve("ctx.tar");
        Lab.exec(List.of("tar", "-cf", tar.toString(), "-C", ctx.toString(), "."), null, true);
        String ours = "it/cli-forms-posix-" + CliRun.unique() + ":classic";
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    ContainerBuildCli.class.getName(), "build", "--context", "-", "--tag", ours, "--builder", "classic",
                    "--network", "none").redirectErrorStream(true).redirectInput(tar.toFile());
            pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.startsWith("DOCKER_"));
            pb.environment().put("LANG", "POSIX");
            pb.environment().put("DOCKER_HOST", "unix://" + lab.hostSocket());
            Process p = pb.start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the CLI ended").isTrue();
                assertThat(p.exitValue()).as(out).isZero();
            } finally {
                p.destroyForcibly();
            }
            assertThat(stats(ours)).contains("/ctx/clé.txt 644 regular file 7",
                    "/ctx/lien-vers-clé 777 symbolic link");
            assertThat(fileOf(ours, "/ctx/lien-vers-clé")).isEqualTo("accent\n");
        } finally {
            CliRun.removeFromHostDaemon(List.of(ours));
        }
    }

    private static CliRun runWithStdin(byte[] stdin, String... args) {
        return CliRun.runWith(CliRun.labEnv(), stdin, args);
    }

    private String stats(String image) {
        return lab.docker("run", "--rm", "--network", "none", image, "find", "/ctx", "-exec", "stat", "-c",
                "%n %a %F %s", "{}", ";");
    }

    private static String dockerBuildkit(String builder) {
        return builder.equals("buildkit") ? "1" : "0";
    }

    private String fileOf(String image, String path) {
        return lab.docker("run", "--rm", "--network", "none", image, "cat", path);
    }

    private String listing(String image) {
        return lab.docker("run", "--rm", "--network", "none", image, "find", "/ctx");
    }

    private static List<Path> stdinLeftovers() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("containerbuild-stdin-")).sorted().toList();
        }
    }
}
