package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The docker CLI's forms users type, each built by {@code containerbuild} and by {@code /usr/bin/docker build} on the
 * lab's daemon with the same builder, and the results compared: {@code --build-arg NAME} takes the value from the
 * environment (an unset one is left to the Dockerfile's default), {@code --file -} reads the Dockerfile from stdin.
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
