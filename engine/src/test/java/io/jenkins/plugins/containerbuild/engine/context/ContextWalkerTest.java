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
    void namesAreSortedByCodePointLikeUtf8Bytes() {
        List<String> names = new ArrayList<>(List.of("b", "a.txt", "a", "\uFF21", "\uD83D\uDE00", "B"));
        names.sort(FileNames::compare);
        // U+1F600 sorts after U+FF21 in UTF-8 byte order, although its UTF-16 surrogates sort before
        assertThat(names).containsExactly("B", "a", "a.txt", "b", "\uFF21", "\uD83D\uDE00");
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
