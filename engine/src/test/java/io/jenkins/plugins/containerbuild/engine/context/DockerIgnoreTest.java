package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerIgnoreTest {

    private static DockerIgnore ignore(String... lines) {
        return DockerIgnore.parse(String.join("\n", lines));
    }

    @Test
    void noneExcludesNothing() {
        assertThat(DockerIgnore.none().excludes("a")).isFalse();
        assertThat(DockerIgnore.none().excludes("a/b/c.txt")).isFalse();
        assertThat(DockerIgnore.parse("").patterns()).isEmpty();
    }

    @Test
    void hashAtTheStartOfALineIsAComment() {
        DockerIgnore ignore = ignore("# secret", "secret");
        assertThat(ignore.patterns()).containsExactly("secret");
        assertThat(ignore.excludes("# secret")).isFalse();
        assertThat(ignore.excludes("secret")).isTrue();
    }

    @Test
    void hashAfterLeadingSpaceIsAPatternLikeInDocker() {
        DockerIgnore ignore = ignore("  #hash");
        assertThat(ignore.patterns()).containsExactly("#hash");
        assertThat(ignore.excludes("#hash")).isTrue();
    }

    @Test
    void linesAreTrimmedAndEmptyLinesIgnored() {
        DockerIgnore ignore = ignore("  name  ", "", "   ", "\tother\t", "! kept ");
        assertThat(ignore.patterns()).containsExactly("name", "other", "!kept");
        assertThat(ignore.excludes("name")).isTrue();
        assertThat(ignore.excludes("other")).isTrue();
        assertThat(ignore.excludes(" name")).isFalse();
    }

    @Test
    void windowsLineEndingsAndByteOrderMarkAreHandled() {
        DockerIgnore ignore = DockerIgnore.parse("\uFEFFfirst\r\nsecond\r\n");
        assertThat(ignore.patterns()).containsExactly("first", "second");
        assertThat(ignore.excludes("first")).isTrue();
        assertThat(ignore.excludes("second")).isTrue();
    }

    @Test
    void exclamationMarkReIncludes() {
        DockerIgnore ignore = ignore("*.log", "!keep.log");
        assertThat(ignore.excludes("debug.log")).isTrue();
        assertThat(ignore.excludes("keep.log")).isFalse();
        assertThat(ignore.excludes("app.txt")).isFalse();
    }

    @Test
    void laterPatternsWin() {
        DockerIgnore ignore = ignore("!keep.log", "*.log");
        assertThat(ignore.excludes("keep.log")).isTrue();
        DockerIgnore reincluded = ignore("*.log", "!keep.log", "keep.log");
        assertThat(reincluded.excludes("keep.log")).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "x, true",
        "a/x, true",
        "a/b/x, true",
        "a/x/inside, true",
        "ax, false",
        "a/xx, false",
        "x.txt, false",
    })
    void doubleStarSlashMatchesAtAnyDepth(String path, boolean excluded) {
        assertThat(ignore("**/x").excludes(path)).isEqualTo(excluded);
    }

    @ParameterizedTest
    @CsvSource({
        "a/b, true",
        "a/x/b, true",
        "a/x/y/b, true",
        "a/x/y/b/file, true",
        "a/x/c, false",
        "b, false",
        "x/a/b, false",
    })
    void doubleStarInTheMiddleMatchesAnyNumberOfDirectories(String path, boolean excluded) {
        assertThat(ignore("a/**/b").excludes(path)).isEqualTo(excluded);
    }

    @Test
    void trailingDoubleStarMatchesEverythingBelow() {
        DockerIgnore ignore = ignore("a/**");
        assertThat(ignore.excludes("a/b")).isTrue();
        assertThat(ignore.excludes("a/b/c")).isTrue();
        assertThat(ignore.excludes("ab")).isFalse();
        assertThat(ignore("**").excludes("any/thing")).isTrue();
    }

    @Test
    void leadingSlashIsIgnored() {
        DockerIgnore ignore = ignore("/foo", "/dir/bar");
        assertThat(ignore.patterns()).containsExactly("foo", "dir/bar");
        assertThat(ignore.excludes("foo")).isTrue();
        assertThat(ignore.excludes("dir/bar")).isTrue();
        assertThat(ignore.excludes("sub/foo")).isFalse();
    }

    @Test
    void starMatchesOnlyWithinOneDirectoryLevel() {
        DockerIgnore ignore = ignore("*.md");
        assertThat(ignore.excludes("README.md")).isTrue();
        assertThat(ignore.excludes("sub/x.md")).isFalse();
        assertThat(ignore("**/*.md").excludes("sub/x.md")).isTrue();
        assertThat(ignore("*/*.md").excludes("sub/x.md")).isTrue();
        assertThat(ignore("*/*.md").excludes("sub/deeper/x.md")).isFalse();
    }

    @Test
    void questionMarkMatchesOneCharacterButNotASlash() {
        DockerIgnore ignore = ignore("fo?");
        assertThat(ignore.excludes("foo")).isTrue();
        assertThat(ignore.excludes("fo")).isFalse();
        assertThat(ignore.excludes("fooo")).isFalse();
        assertThat(ignore("a?b").excludes("a/b")).isFalse();
    }

    @Test
    void characterClassesAndEscapes() {
        assertThat(ignore("[ab].txt").excludes("a.txt")).isTrue();
        assertThat(ignore("[ab].txt").excludes("c.txt")).isFalse();
        assertThat(ignore("[a-c].txt").excludes("b.txt")).isTrue();
        assertThat(ignore("[^a].txt").excludes("a.txt")).isFalse();
        assertThat(ignore("[^a].txt").excludes("z.txt")).isTrue();
        assertThat(ignore("\\*.txt").excludes("*.txt")).isTrue();
        assertThat(ignore("\\*.txt").excludes("a.txt")).isFalse();
        assertThat(ignore("[[&&]x").excludes("&x")).isTrue();
    }

    @Test
    void regularExpressionCharactersAreLiteral() {
        DockerIgnore ignore = ignore("a+b(c)*.txt", "v1.0");
        assertThat(ignore.excludes("a+b(c)1.txt")).isTrue();
        assertThat(ignore.excludes("aab(c)1.txt")).isFalse();
        assertThat(ignore.excludes("v1.0")).isTrue();
        assertThat(ignore.excludes("v1x0")).isFalse();
    }

    @Test
    void patternsAreCleanedLikeFilepathClean() {
        DockerIgnore ignore = ignore("./a/./b/../c/", "dir//sub///", "!./keep/");
        assertThat(ignore.patterns()).containsExactly("a/c", "dir/sub", "!keep");
        assertThat(ignore.excludes("a/c")).isTrue();
        assertThat(ignore.excludes("a/b")).isFalse();
        assertThat(ignore.excludes("dir/sub/file")).isTrue();
    }

    @Test
    void excludingADirectoryExcludesItsContents() {
        DockerIgnore ignore = ignore("build");
        assertThat(ignore.excludes("build")).isTrue();
        assertThat(ignore.excludes("build/out/app.jar")).isTrue();
        assertThat(ignore.excludes("builder")).isFalse();
        assertThat(ignore.excludes("src/build")).isFalse();
    }

    @Test
    void exceptionInsideAnExcludedDirectory() {
        DockerIgnore ignore = ignore("dir", "!dir/keep");
        assertThat(ignore.excludes("dir")).isTrue();
        assertThat(ignore.excludes("dir/other")).isTrue();
        assertThat(ignore.excludes("dir/keep")).isFalse();
        assertThat(ignore.excludes("dir/keep/nested.txt")).isFalse();
        assertThat(ignore.mayReincludeBelow("dir")).isTrue();
        assertThat(ignore.mayReincludeBelow("other")).isFalse();
    }

    @Test
    void excludedDirectoryIsNotWalkedForExceptionsThatDoNotNameIt() {
        // like the docker CLI: only a '!' pattern starting with "dir/" makes it look inside "dir"
        DockerIgnore ignore = ignore("dir", "!**/keep");
        assertThat(ignore.mayReincludeBelow("dir")).isFalse();
        assertThat(ignore.excludes("dir/keep")).isTrue();
        assertThat(ignore.excludes("other/keep")).isFalse();
    }

    @Test
    void reIncludedDirectoryKeepsItsContents() {
        DockerIgnore ignore = ignore("*", "!src");
        assertThat(ignore.excludes("README")).isTrue();
        assertThat(ignore.excludes("src")).isFalse();
        assertThat(ignore.excludes("src/main/App.java")).isFalse();
    }

    @Test
    void invalidPatternsAreRefused() {
        assertThatThrownBy(() -> DockerIgnore.parse("["))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"[\"");
        assertThatThrownBy(() -> DockerIgnore.parse("a[]b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DockerIgnore.parse("trailing\\")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DockerIgnore.parse("!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'!'");
    }

    @Test
    void alwaysIncludingAddsAnExceptionOnlyWhenNeeded() {
        DockerIgnore ignore = ignore("*", "docker");
        DockerIgnore withBuildFiles = ignore.alwaysIncluding(".dockerignore", "docker/Dockerfile");
        assertThat(withBuildFiles.patterns()).containsExactly("*", "docker", "!.dockerignore", "!docker/Dockerfile");
        assertThat(withBuildFiles.excludes(".dockerignore")).isFalse();
        assertThat(withBuildFiles.excludes("docker/Dockerfile")).isFalse();
        assertThat(withBuildFiles.excludes("docker/other")).isTrue();
        DockerIgnore unchanged = ignore("*.log").alwaysIncluding(".dockerignore", "Dockerfile");
        assertThat(unchanged.patterns()).containsExactly("*.log");
    }

    @Test
    void unicodeNamesMatch() {
        DockerIgnore ignore = ignore("données/*.csv", "!données/été.csv");
        assertThat(ignore.excludes("données/hiver.csv")).isTrue();
        assertThat(ignore.excludes("données/été.csv")).isFalse();
    }

    /**
     * Found by DockerIgnoreProperties: an inclusion that matches a parent only, before anything excluded that parent,
     * is not carried down to its children. Docker 23+ (MatchesUsingParentResults; seen with the docker 28 CLI and
     * DOCKER_BUILDKIT=0) leaves {@code a/a} out; docker 20.10 (PatternMatcher.Matches, which re-matches the parent)
     * keeps it. We follow current Docker.
     */
    @Test
    void inclusionMatchingOnlyAnUnexcludedParentIsNotCarriedDown() {
        DockerIgnore ignore = ignore("a/*", "!*");
        assertThat(ignore.excludes("a")).isFalse();
        assertThat(ignore.excludes("a/a")).isTrue();
        assertThat(ignore.excludes("b")).isFalse();
    }
}
