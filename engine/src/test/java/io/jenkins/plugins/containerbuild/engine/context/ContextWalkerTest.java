package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextWalkerTest {

    @TempDir
    Path tmp;

    @Test
    void relativePathsAreSlashSeparatedAndInsideTheRoot() throws Exception {
        Path root = tmp.resolve("ctx");
        assertThat(ContextWalker.relativeSlashPath(root, root.resolve("a/b/c.txt"))).isEqualTo("a/b/c.txt");
        assertThat(ContextWalker.relativeSlashPath(root, root.resolve("x"))).isEqualTo("x");
    }

    @Test
    void pathsEscapingTheRootAreRefused() {
        Path root = tmp.resolve("ctx");
        for (Path escaping : List.of(tmp.resolve("other/file"), root.resolve("../ctx2/file"), root.resolve("a/../../x"),
                root, tmp.resolve("ctxfile"))) {
            assertThatThrownBy(() -> ContextWalker.relativeSlashPath(root, escaping))
                    .isInstanceOf(ContextException.class)
                    .hasMessageContaining("is outside the build context " + root)
                    .hasMessageContaining("only files inside the context directory can be sent");
        }
    }

    @Test
    void namesAreSortedByTheirBytes() {
        List<String> names = new ArrayList<>(List.of("b", "a.txt", "a", "\uFF21", "\uD83D\uDE00", "B"));
        names.sort(FileNames::compare);
        // U+1F600 sorts after U+FF21 in UTF-8 byte order, although its UTF-16 surrogates sort before
        assertThat(names).containsExactly("B", "a", "a.txt", "b", "\uFF21", "\uD83D\uDE00");
        // a byte that is not UTF-8 (0xE9, held as U+DCE9) sorts by that byte: after 0xC3 (the first of é)
        List<String> latin1 = new ArrayList<>(List.of("caf\uDCE9", "caf\u00E9", "cafz"));
        latin1.sort(FileNames::compare);
        assertThat(latin1).containsExactly("cafz", "caf\u00E9", "caf\uDCE9");
    }

    /**
     * The walk holds the descriptors of the directories on its current path only (two each), and the reader of the
     * files' contents those of the last file's directories: a tree 600 directories deep is sent whole, and afterwards
     * no descriptor is left open.
     */
    @Test
    void aDeepTreeIsSentAndLeavesNoDescriptorOpen() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("ctx")).toRealPath();
        Files.writeString(root.resolve("Dockerfile"), "FROM scratch\n");
        Path deep = root;
        for (int i = 0; i < 600; i++) {
            deep = deep.resolve("d");
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("bottom.txt"), "deep");
        long before = openDescriptors();
        BuildContext context = BuildContext.of(root, root.resolve("Dockerfile"));
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        context.writeTo(tar);
        assertThat(context.entriesSent()).as("Dockerfile, 600 directories, bottom.txt").isEqualTo(602);
        assertThat(tar.toString(java.nio.charset.StandardCharsets.ISO_8859_1)).contains("deep");
        assertThat(openDescriptors()).as("descriptors open after the walk").isLessThanOrEqualTo(before);
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void excludedDirectoryWithAnExceptionIsWalkedButNotSent() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("ctx")).toRealPath();
        Files.createDirectories(root.resolve("dir/keep"));
        Files.writeString(root.resolve("dir/keep/file"), "k");
        Files.writeString(root.resolve("dir/drop"), "d");
        Files.writeString(root.resolve("top"), "t");
        List<String> names = new ArrayList<>();

        new ContextWalker(root, DockerIgnore.parse("dir\n!dir/keep\n")).walk(entry -> names.add(entry.name()));

        assertThat(names).containsExactly("dir/keep", "dir/keep/file", "top");
    }
}
