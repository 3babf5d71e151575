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

    /**
     * BuildKit applies {@code <Dockerfile>.dockerignore} instead of the context's {@code .dockerignore}, also in the
     * tar sent without a session; the classic builder only the context's (as docker build does on both daemons).
     */
    @Test
    void aDockerfilesOwnIgnoreFileReplacesTheContextsForBuildKitOnly() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(ctx.resolve("build/Dockerfile.prod"), "FROM scratch\n");
        write(ctx.resolve("build/Dockerfile.prod.dockerignore"), "y.txt\n");
        write(ctx.resolve(".dockerignore"), "x.txt\n");
        write(ctx.resolve("x.txt"), "x");
        write(ctx.resolve("y.txt"), "y");

        assertThat(tar(BuildContext.forBuildKit(ctx, dockerfile)).keySet()).containsExactly(".dockerignore", "build/",
                "build/Dockerfile.prod", "build/Dockerfile.prod.dockerignore", "x.txt");
        assertThat(tar(BuildContext.of(ctx, dockerfile)).keySet()).containsExactly(".dockerignore", "build/",
                "build/Dockerfile.prod", "build/Dockerfile.prod.dockerignore", "y.txt");
    }

    /** A default Dockerfile that links into the context is followed; one that links out is refused, naming the option. */
    @Test
    void aDockerfileLinkIsFollowedInsideTheContextOnly() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx.resolve("Dockerfile.real"), "FROM scratch\n");
        Files.createSymbolicLink(ctx.resolve("Dockerfile"), Path.of("Dockerfile.real"));
        assertThat(BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")).dockerfileName()).isEqualTo("Dockerfile.real");

        write(tmp.resolve("elsewhere/Dockerfile"), "FROM scratch\n");
        Files.delete(ctx.resolve("Dockerfile"));
        Files.createSymbolicLink(ctx.resolve("Dockerfile"), Path.of("../elsewhere/Dockerfile"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BuildContext.of(ctx, ctx.resolve("Dockerfile"), "-f"))
                .isInstanceOf(ContextException.class)
                .hasMessage("Dockerfile " + ctx.resolve("Dockerfile") + " is a symbolic link that leads out of the"
                        + " build context: make it a regular file inside the context (or a link to one), or name a"
                        + " Dockerfile outside the context with -f.");
        // named outside the context on purpose, it is an outside Dockerfile as before
        assertThat(BuildContext.of(ctx, tmp.resolve("elsewhere/Dockerfile")).dockerfileName())
                .startsWith(".dockerfile.");
    }

    @Test
    void aLowerCaseDockerfileIsUsedWhenThereIsNoDockerfile() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx.resolve("dockerfile"), "FROM scratch\n");
        assertThat(BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")).dockerfileName()).isEqualTo("dockerfile");
        write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        assertThat(BuildContext.of(ctx, ctx.resolve("Dockerfile")).dockerfileName()).isEqualTo("Dockerfile");
        // only the name Dockerfile falls back
        Files.delete(ctx.resolve("Dockerfile"));
        write(ctx.resolve("sub/dockerfile.x"), "FROM scratch\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BuildContext.of(ctx, ctx.resolve("sub/Dockerfile.x"),
                        "-f"))
                .isInstanceOf(ContextException.class)
                .hasMessage("Dockerfile " + ctx.resolve("sub/Dockerfile.x") + " not found: create it or pass its path"
                        + " with -f.");
    }
}
