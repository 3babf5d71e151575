package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Dockerfile the CLI reads by default, on the lab's daemon with both builders: a default {@code Dockerfile}
 * that links out of the context is refused before anything is sent (the docker CLI would send the outside file), and
 * errors about the Dockerfile name the CLI's own option, {@code --file}.
 */
class DockerfileLookupTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void aDefaultDockerfileLinkingOutOfTheContextIsRefused(String builder) throws Exception {
        Path outside = tmp.resolve("outside.Dockerfile");
        Files.writeString(outside, "FROM " + Lab.get().baseImage() + "\nRUN echo outside-the-context-" + builder
                + "\n");
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("app.txt"), "app\n");
        Files.createSymbolicLink(ctx.resolve("Dockerfile"), Path.of("../outside.Dockerfile"));
        String tag = "it/cli-dockerfile-link-" + CliRun.unique() + ":" + builder;
        try {
            CliRun r = CliRun.run("build", "--context", ctx.toString(), "--tag", tag, "--builder", builder,
                    "--network", "none");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains(ctx.resolve("Dockerfile") + " is a symbolic link that leads out of the build"
                    + " context").contains("--file").doesNotContain("outside-the-context", "dockerfile option");
            assertThat(r.err()).doesNotContain("Building "); // refused before the build was sent
        } finally {
            CliRun.removeFromHostDaemon(List.of(tag));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void aMissingDockerfileNamesTheCliOption(String builder) {
        CliRun r = CliRun.run("build", "--context", tmp.toString(), "--tag", "it/cli-no-dockerfile:x", "--builder",
                builder);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(tmp.resolve("Dockerfile") + " does not exist")
                .contains("name the right file with --file.").doesNotContain("dockerfile option");
    }
}
