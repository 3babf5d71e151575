package io.jenkins.plugins.containerbuild.engine.context;

import static io.jenkins.plugins.containerbuild.engine.context.BuildContextTest.tar;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.context.BuildContextTest.Read;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tar for BuildKit, which applies no .dockerignore to an uploaded context: the .dockerignore is an ordinary file
 * there, so it is sent only when it does not exclude itself, and never rewritten (as the docker CLI's BuildKit session
 * lets the build see it). The Dockerfile is still sent, since BuildKit reads it from the tar.
 */
class BuildKitContextTest {

    @TempDir
    Path tmp;

    private static Path write(Path file, String contents) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, contents);
    }

    @Test
    void dockerignoreThatExcludesItselfIsNotSentButTheDockerfileIs() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(ctx.resolve("build/Dockerfile"), "FROM scratch\n");
        write(ctx.resolve("build/other"), "other");
        write(ctx.resolve(".dockerignore"), "*\n");
        write(ctx.resolve("src/main.c"), "int main;");

        BuildContext context = BuildContext.forBuildKit(ctx, dockerfile);

        assertThat(context.dockerfileName()).isEqualTo("build/Dockerfile");
        assertThat(tar(context).keySet()).containsExactly("build/Dockerfile");
        // the classic builder still gets both: it drops them itself
        assertThat(tar(BuildContext.of(ctx, dockerfile)).keySet()).containsExactly(".dockerignore", "build/Dockerfile");
    }

    @Test
    void dockerignoreThatKeepsItselfIsSentAsIs() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        write(ctx.resolve(".dockerignore"), "# logs\n*.log\nDockerfile\n");
        write(ctx.resolve("a.log"), "log");
        write(ctx.resolve("app.txt"), "app");

        Map<String, Read> tar = tar(BuildContext.forBuildKit(ctx, dockerfile));

        assertThat(tar.keySet()).containsExactly(".dockerignore", "Dockerfile", "app.txt");
        assertThat(tar.get(".dockerignore").text()).isEqualTo("# logs\n*.log\nDockerfile\n");
    }

    @Test
    void dockerfileOutsideTheContextLeavesTheDockerignoreAlone() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx.resolve("app.txt"), "app");
        write(ctx.resolve(".dockerignore"), "*.log");
        Path dockerfile = write(tmp.resolve("elsewhere/Dockerfile"), "FROM scratch\nCOPY app.txt /\n");

        BuildContext context = BuildContext.forBuildKit(ctx, dockerfile);
        Map<String, Read> tar = tar(context);

        String name = context.dockerfileName();
        assertThat(name).matches("\\.dockerfile\\.[0-9a-f]{20}");
        assertThat(tar.keySet()).containsExactly(".dockerignore", "app.txt", name);
        assertThat(tar.get(".dockerignore").text()).isEqualTo("*.log");
        assertThat(tar.get(name).text()).isEqualTo("FROM scratch\nCOPY app.txt /\n");
    }

    @Test
    void dockerfileOutsideTheContextWithoutDockerignoreGetsNone() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx.resolve("app.txt"), "app");
        Path dockerfile = write(tmp.resolve("Dockerfile.release"), "FROM scratch\n");

        BuildContext context = BuildContext.forBuildKit(ctx, dockerfile);

        assertThat(tar(context).keySet()).containsExactly("app.txt", context.dockerfileName());
    }
}
