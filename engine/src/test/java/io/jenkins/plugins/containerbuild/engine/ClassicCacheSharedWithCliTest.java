package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classic builder's {@code COPY} checksum covers each file's owner names and whole mode as the uploaded tar gives
 * them, so the engine's context tar must carry what the docker CLI released with the daemon sends (the 20.10 CLI:
 * owner names looked up from the files' owners, mode with file-type bits; 26.1: neither). Each daemon gets the same
 * context from its own CLI ({@code DOCKER_BUILDKIT=0}) and then from the engine: the {@code COPY dir:} history lines
 * must be equal, and the engine's build must then be the CLI's image, taken from the cache.
 */
class ClassicCacheSharedWithCliTest {

    static Stream<Lab.Daemon> daemons() {
        return LabDaemons.full();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("daemons")
    void engineBuildSharesTheClassicCacheOfDockerBuild(Lab.Daemon daemon, @TempDir Path tmp) throws Exception {
        Path ctx = Files.createDirectory(tmp.resolve("ctx"));
        String token = UUID.randomUUID().toString(); // a checksum of its own: no earlier build's cache can match
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.baseImage() + "\nCOPY . /x/\n");
        Files.writeString(ctx.resolve("a.txt"), token);
        Files.createDirectory(ctx.resolve("sub"));
        Files.writeString(ctx.resolve("sub/b.txt"), "b\n");
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("a.txt"));
        Files.createLink(ctx.resolve("hard"), ctx.resolve("a.txt"));
        // a user and group the machine names (1000) and one it does not know (4321)
        Files.writeString(ctx.resolve("user.txt"), "u\n");
        chown(ctx.resolve("user.txt"), 1000);
        Files.writeString(ctx.resolve("noname.txt"), "n\n");
        chown(ctx.resolve("noname.txt"), 4321);

        String theirs = LabSupport.unique("it/classic-cache-cli").toLowerCase();
        String ours = LabSupport.unique("it/classic-cache-engine").toLowerCase();
        try {
            cli(daemon, "build", "--network", "none", "-t", theirs, ctx.toString());
            String copiedByCli = copyLine(daemon, theirs);
            assertThat(copiedByCli).as("the CLI's COPY step").contains("COPY dir:");

            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                engine.build(BuildRequest.builder(ctx).tag(ours).networkMode("none")
                        .builderKind(BuilderKind.CLASSIC).build());
            }

            assertThat(copyLine(daemon, ours)).as("the engine's COPY step, beside the CLI's").isEqualTo(copiedByCli);
            assertThat(imageId(daemon, ours)).as("the engine's image, taken from the CLI's build by the cache")
                    .isEqualTo(imageId(daemon, theirs));
        } finally {
            LabSupport.removeImages(daemon, ours, theirs);
        }
    }

    /** The docker CLI of the daemon's release: 20.10 for the system's daemon, the lab's 26.1 CLI for 26.1. */
    private static void cli(Lab.Daemon daemon, String... args) {
        Lab lab = Lab.get();
        String docker = daemon.engine26()
                ? Path.of(lab.fact("LAB_D26_ROOT")).resolveSibling("cli").resolve("usr/bin/docker").toString()
                : "/usr/bin/docker";
        List<String> cmd = new ArrayList<>(List.of(docker, "-H", "unix://" + daemon.socket()));
        cmd.addAll(List.of(args));
        Lab.exec(cmd, Map.of("DOCKER_BUILDKIT", "0"), true);
    }

    /** The newest history line of the image: its {@code COPY}. */
    private static String copyLine(Lab.Daemon daemon, String image) {
        return daemon.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).lines().findFirst()
                .orElseThrow().trim();
    }

    private static String imageId(Lab.Daemon daemon, String image) {
        return daemon.docker("image", "inspect", "--format", "{{.Id}}", image).trim();
    }

    private static void chown(Path file, int id) throws IOException {
        Files.setAttribute(file, "unix:uid", id, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", id, LinkOption.NOFOLLOW_LINKS);
    }
}
