package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a BuildKit session offers of a directory, in what order, with which attributes. */
class SyncedDirectoryTest {

    private static final SyncedDirectory.Filter ALL = new SyncedDirectory.Filter(List.of(), List.of(), List.of());

    @Test
    void theContextsDockerignoreHoldsFilesBackWhateverTheDaemonAsks(@TempDir Path ctx) throws Exception {
        write(ctx, ".dockerignore", "secret.env\nbuild\n!build/keep\nDockerfile\n");
        write(ctx, "Dockerfile", "FROM scratch\n");
        write(ctx, "secret.env", "TOKEN=1\n");
        write(ctx, "app.txt", "app\n");
        write(ctx, "build/keep", "k\n");
        write(ctx, "build/out.o", "o\n");
        SyncedDirectory dir = SyncedDirectory.context(BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")));

        // a frontend that asks for everything, with no exclude patterns of its own
        assertThat(paths(dir, ALL)).containsExactly(".dockerignore", "Dockerfile", "app.txt", "build", "build/keep");
        // or that follows a path to an excluded file
        assertThat(paths(dir, new SyncedDirectory.Filter(List.of(), List.of(), List.of("secret.env")))).isEmpty();
        // the Dockerfile frontend's own requests
        assertThat(paths(dir, new SyncedDirectory.Filter(List.of(), List.of(), List.of(".dockerignore"))))
                .containsExactly(".dockerignore");
        assertThat(paths(dir, new SyncedDirectory.Filter(List.of(), List.of("secret.env", "build", "!build/keep",
                "Dockerfile"), List.of()))).containsExactly(".dockerignore", "app.txt", "build", "build/keep");
    }

    @Test
    void theDockerfilesDirectoryOffersTheDockerfileAndItsIgnoreFileOnly(@TempDir Path dir) throws Exception {
        write(dir, "Dockerfile.build", "FROM scratch\n");
        write(dir, "Dockerfile.build.dockerignore", "x\n");
        write(dir, "id_rsa", "private\n");
        write(dir, "sub/Dockerfile.build", "FROM other\n");
        SyncedDirectory offered = SyncedDirectory.dockerfileDirectory(dir.resolve("Dockerfile.build"));
        assertThat(paths(offered, ALL)).containsExactly("Dockerfile.build", "Dockerfile.build.dockerignore");
        assertThat(paths(offered, new SyncedDirectory.Filter(List.of(), List.of(), List.of("id_rsa")))).isEmpty();
    }

    /**
     * A Dockerfile that is a link: the Dockerfile frontend follows it as a followed path, so what it leads to inside
     * the directory is offered too (and nothing else); a link leading out of the directory brings nothing more.
     */
    @Test
    void aLinkedDockerfileBringsWhatItLeadsToInsideItsDirectory(@TempDir Path dir) throws Exception {
        write(dir, "real/Dockerfile.real", "FROM scratch\n");
        write(dir, "real/other", "not offered\n");
        write(dir, "id_rsa", "private\n");
        Files.createSymbolicLink(dir.resolve("Dockerfile"), Path.of("real/Dockerfile.real"));
        SyncedDirectory offered = SyncedDirectory.dockerfileDirectory(dir.resolve("Dockerfile"));
        SyncedDirectory.Filter asked = new SyncedDirectory.Filter(List.of("Dockerfile", "Dockerfile.dockerignore"),
                List.of(), List.of("Dockerfile", "Dockerfile.dockerignore"));
        assertThat(paths(offered, asked)).containsExactly("Dockerfile", "real", "real/Dockerfile.real");
        assertThat(paths(offered, ALL)).containsExactly("Dockerfile", "real", "real/Dockerfile.real");

        Files.delete(dir.resolve("Dockerfile"));
        Files.createSymbolicLink(dir.resolve("Dockerfile"), Path.of("../elsewhere/Dockerfile"));
        assertThat(paths(SyncedDirectory.dockerfileDirectory(dir.resolve("Dockerfile")), ALL))
                .containsExactly("Dockerfile");
    }

    /**
     * BuildKit 0.8 asks for the sources of {@code COPY *.pub /work/} as followed paths with their wildcards, matched
     * per path element like Go's {@code filepath.Match}; a matched link brings what it points to, a matched directory
     * its contents, and the context's {@code .dockerignore} still holds files back.
     */
    @Test
    void followedPathsWithWildcardsFollowEveryMatchingEntry(@TempDir Path ctx) throws Exception {
        write(ctx, ".dockerignore", "held.pub\n");
        write(ctx, "Dockerfile", "FROM scratch\n");
        write(ctx, "a.pub", "a\n");
        write(ctx, "b.pub", "b\n");
        write(ctx, "held.pub", "h\n");
        write(ctx, "c.txt", "c\n");
        write(ctx, "src/x.go", "x\n");
        write(ctx, "src/y.go", "y\n");
        write(ctx, "src/z.md", "z\n");
        write(ctx, "dir1/in", "1\n");
        write(ctx, "dir2/in", "2\n");
        write(ctx, "star*name", "literal\n");
        write(ctx, "target/t.txt", "t\n");
        Files.createSymbolicLink(ctx.resolve("link.pub"), Path.of("target/t.txt"));
        SyncedDirectory dir = SyncedDirectory.context(BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")));

        assertThat(paths(dir, follow("*.pub"))).containsExactly("a.pub", "b.pub", "link.pub", "target",
                "target/t.txt");
        assertThat(paths(dir, follow("src/*.go"))).containsExactly("src", "src/x.go", "src/y.go");
        assertThat(paths(dir, follow("dir?"))).containsExactly("dir1", "dir1/in", "dir2", "dir2/in");
        assertThat(paths(dir, follow("*/in"))).containsExactly("dir1", "dir1/in", "dir2", "dir2/in");
        assertThat(paths(dir, follow("[ab].pub", "c.*"))).containsExactly("a.pub", "b.pub", "c.txt");
        assertThat(paths(dir, follow("star\\*name"))).containsExactly("star*name");
        assertThat(paths(dir, follow("*.none", "[unclosed"))).isEmpty();
    }

    private static SyncedDirectory.Filter follow(String... paths) {
        return new SyncedDirectory.Filter(List.of(), List.of(), List.of(paths));
    }

    @Test
    void entriesComeInByteOrderParentsFirstWithGoModesAndHardLinks(@TempDir Path ctx) throws Exception {
        write(ctx, "b/z.txt", "z\n");
        write(ctx, "B.txt", "upper\n");
        write(ctx, "a-b", "dash\n");
        write(ctx, "a/x", "x\n");
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("a/x"));
        Files.createLink(ctx.resolve("hard"), ctx.resolve("B.txt"));
        Files.setPosixFilePermissions(ctx.resolve("a-b"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setAttribute(ctx.resolve("a-b"), "unix:mode", 04750); // setuid, which the NIO permissions cannot say
        List<SyncedDirectory.Entry> entries = new ArrayList<>();
        SyncedDirectory.of(ctx).walk(ALL, entries::add);

        assertThat(entries).extracting(SyncedDirectory.Entry::path)
                .containsExactly("B.txt", "a", "a/x", "a-b", "b", "b/z.txt", "hard", "link");
        SyncedDirectory.Entry dirA = entries.get(1);
        assertThat(dirA.goMode() & SyncedDirectory.GO_DIR).isNotZero();
        SyncedDirectory.Entry setuid = entries.get(3);
        assertThat(setuid.goMode()).isEqualTo(SyncedDirectory.GO_SETUID | 0750);
        SyncedDirectory.Entry link = entries.get(7);
        assertThat(link.goMode() & SyncedDirectory.GO_SYMLINK).isNotZero();
        assertThat(link.linkname()).isEqualTo("a/x");
        SyncedDirectory.Entry hard = entries.get(6);
        assertThat(hard.linkname()).as("the second name of a file is sent as a hard link").isEqualTo("B.txt");
        assertThat(hard.size()).isZero();
        assertThat(entries.get(0).size()).isEqualTo("upper\n".length());
        assertThat(entries.get(0).mtimeNanos()).isEqualTo(
                Files.getLastModifiedTime(ctx.resolve("B.txt")).to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    /**
     * Include patterns reach below a directory whose name is not UTF-8 (a byte kept as a lone surrogate), matched as
     * Go's {@code filepath.Match} matches one element: a JDK glob took the name for a path and failed on it, and read
     * {@code {a,b}} as a choice where Go reads it literally.
     */
    @Test
    void includePatternsMatchDirectoryNamesAsBytes(@TempDir Path ctx) throws Exception {
        String cafe = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9});
        Path dir = Files.createDirectory(FileNames.resolve(ctx, cafe));
        write(dir, "x.txt", "x\n");
        write(ctx, "a/x.txt", "a\n");
        write(ctx, "{a,b}/x.txt", "braces\n");
        write(ctx, "Dockerfile", "FROM scratch\n");
        SyncedDirectory synced = SyncedDirectory.context(BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")));

        assertThat(paths(synced, new SyncedDirectory.Filter(List.of("caf*/x.txt"), List.of(), List.of())))
                .containsExactly(cafe, cafe + "/x.txt");
        assertThat(paths(synced, new SyncedDirectory.Filter(List.of("{a,b}/x.txt"), List.of(), List.of())))
                .containsExactly("{a,b}", "{a,b}/x.txt");
    }

    private static List<String> paths(SyncedDirectory dir, SyncedDirectory.Filter filter) throws Exception {
        List<String> out = new ArrayList<>();
        dir.walk(filter, e -> out.add(e.path()));
        return out;
    }

    private static void write(Path dir, String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /**
     * The session's file sync reads a file's content through {@link SyncedDirectory.Entry#openContent}: never
     * through a symbolic link, and only from the inode that was walked. A file swapped after the walk for a link out
     * of the context, or for a hard link of a file outside it, is refused instead of read.
     */
    @Test
    void contentIsReadOnlyFromTheWalkedInodeAndNeverThroughALink(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ctx"));
        Path outside = Files.writeString(tmp.resolve("outside-secret"), "outside-secret-bytes");
        Files.writeString(dir.resolve("a.txt"), "walked-a");
        Files.writeString(dir.resolve("b.txt"), "walked-b");
        Files.writeString(dir.resolve("c.txt"), "walked-c");
        List<SyncedDirectory.Entry> entries = new ArrayList<>();
        SyncedDirectory.of(dir).walk(ALL, entries::add);
        java.util.Map<String, SyncedDirectory.Entry> byName = new java.util.HashMap<>();
        entries.forEach(e -> byName.put(e.path(), e));

        try (var in = byName.get("c.txt").openContent()) {
            assertThat(new String(in.readAllBytes())).isEqualTo("walked-c");
        }

        Files.delete(dir.resolve("a.txt"));
        Files.createSymbolicLink(dir.resolve("a.txt"), outside);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> byName.get("a.txt").openContent().readAllBytes())
                .isInstanceOf(java.io.IOException.class).message().doesNotContain("outside-secret-bytes");

        Files.delete(dir.resolve("b.txt"));
        Files.createLink(dir.resolve("b.txt"), outside);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> byName.get("b.txt").openContent().readAllBytes())
                .isInstanceOf(ContextException.class)
                .hasMessage(dir.toRealPath().resolve("b.txt") + " in the build context was replaced while the context"
                        + " was being sent (by another file, or a directory on its way by a symbolic link); nothing"
                        + " from outside the context was sent: keep the context unchanged while it is built, then"
                        + " build again.");
    }
}
