package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Generated small trees and generated {@code .dockerignore} files: the paths of our classic-builder context tar
 * ({@link BuildContext#of}) are exactly those that {@code DOCKER_BUILDKIT=0 docker build} with the docker CLI 26.1
 * (the lab's, in {@code docker26/cli} beside {@code LAB_D26_ROOT}, which applies the {@code .dockerignore} itself before sending, with the rules of
 * Docker 23 and later) lets {@code COPY . /ctx/} see. No difference is tolerated, and nothing of our own matching
 * takes part in the reference. The Dockerfile and the {@code .dockerignore} are left out of the comparison: both are
 * always sent, and whether the daemon keeps them in the context depends on the patterns. Both sides are closed under
 * parent directories, since {@code COPY} creates the parents of a re-included file in an excluded directory even
 * though no tar entry names them.
 *
 * <p>The 20.10 CLI is no reference: it matches a path's parent directories by an older rule, with differences in
 * both directions, seen in this lab: {@code a/*} then {@code !*} keeps {@code a/a} with 20.10 and leaves it out with
 * 26.1 (and with us), while {@code a} then {@code !**}{@code /a} leaves {@code a/b} out with 20.10 and keeps it with
 * 26.1 (and with us). The README says which rules the engine follows.
 */
class DockerIgnoreProperties {

    private static final List<String> NAMES = List.of("a", "b", "c", "a.b", ".c");
    private static final Set<String> SPECIAL = Set.of("Dockerfile", ".dockerignore");

    /** A generated context: regular files and (possibly empty) directories, and the .dockerignore lines. */
    record Case(List<String> files, List<String> dirs, List<String> ignoreLines) {
        @Override
        public String toString() {
            return "files=" + files + " dirs=" + dirs + " .dockerignore=" + ignoreLines;
        }
    }

    @Property(tries = 40, seed = "20260521")
    void contextTarHasExactlyWhatTheDockerCliSends(@ForAll("cases") Case c) throws Exception {
        compareWithTheCli(c);
    }

    /** A fresh random seed each run (jqwik prints it with the statistics), fewer tries: each one runs a build. */
    @Property(tries = 20)
    void contextTarHasExactlyWhatTheDockerCliSendsWithAFreshSeed(@ForAll("cases") Case c) throws Exception {
        compareWithTheCli(c);
    }

    /** Where Docker 23+ and 20.10 part: what a pattern matched at a parent directory carries down, and what not. */
    @Example
    void theParentRulesOfDocker23() throws Exception {
        compareWithTheCli(new Case(List.of("a/a", "a/b", "b"), List.of(), List.of("a/*", "!*")));
        compareWithTheCli(new Case(List.of("a/a", "a/b", "c/a/b"), List.of(), List.of("a", "!**/a")));
        compareWithTheCli(new Case(List.of("a/a/b", "a/b/c", "b/a"), List.of(), List.of("**/a", "!a/*", "a/a/*")));
    }

    private static void compareWithTheCli(Case c) throws Exception {
        Lab lab = Lab.get();
        Path dir = Files.createTempDirectory("ignore-prop");
        String image = "it/ignore-prop-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Path ctx = write(dir, c);
            Set<String> ours;
            String ourError = null;
            try {
                ours = ourPaths(ctx);
            } catch (ContextException e) {
                ours = null;
                ourError = e.getMessage();
            }
            Lab.Result build = cli26(lab, Map.of("DOCKER_BUILDKIT", "0"), "build", "-q", "--no-cache", "--network",
                    "none", "-t", image, ctx.toString());
            if (build.exitCode() != 0) {
                assertThat(ourError).as("the docker CLI refused the context (%s) but BuildContext did not",
                        build.stderr().strip()).isNotNull();
                Statistics.collect("both refuse");
                return;
            }
            assertThat(ourError).as("BuildContext refused a context the docker CLI built").isNull();
            Set<String> theirs = copiedPaths(lab, image);
            assertThat(ours).as("paths in our tar vs /ctx of the docker CLI's build for %s", c)
                    .containsExactlyElementsOf(theirs);
            Statistics.collect(theirs.isEmpty() ? "same, nothing copied" : "same");
        } finally {
            cli(lab, null, "rmi", "-f", image);
            deleteTree(dir);
        }
    }

    // ------------------------------------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> relPath = Arbitraries.of(NAMES).list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("/", l));
        return Combinators.combine(relPath.list().ofMinSize(1).ofMaxSize(8).uniqueElements(),
                        relPath.list().ofMaxSize(2).uniqueElements(),
                        ignoreLine().list().ofMinSize(1).ofMaxSize(5))
                .as(Case::new);
    }

    /** One .dockerignore line: a pattern from the alphabet, a comment, or a blank line. */
    private static Arbitrary<String> ignoreLine() {
        Arbitrary<String> segment = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("a", "b", "c")),
                Tuple.of(2, Arbitraries.of("*", "?", "**")),
                Tuple.of(1, Arbitraries.of("[ab]", "[^a]", "a*", "*.b", "a.b", ".c", ".*", "?.b", ".", "..")));
        Arbitrary<String> pattern = Combinators.combine(
                        Arbitraries.of("", "", "", "!"),
                        Arbitraries.of("", "", "/"),
                        segment.list().ofMinSize(1).ofMaxSize(3),
                        Arbitraries.of("", "", "/"))
                .as((not, lead, segs, trail) -> not + lead + String.join("/", segs) + trail);
        return Arbitraries.frequencyOf(
                Tuple.of(12, pattern),
                Tuple.of(1, pattern.map(p -> "  " + p + " ")),
                Tuple.of(1, pattern.map(p -> "#" + p)),
                Tuple.of(1, Arbitraries.of("", "   ", "# comment")));
    }

    // ------------------------------------------------------------------------------------------------ the two sides

    /** Writes the tree; a path that would need a file as a directory (or the reverse) is left out. */
    private static Path write(Path dir, Case c) throws IOException {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + Lab.get().baseImage() + "\nCOPY . /ctx/\n");
        Files.writeString(ctx.resolve(".dockerignore"), String.join("\n", c.ignoreLines()) + "\n");
        for (String d : c.dirs()) {
            try {
                Files.createDirectories(ctx.resolve(d));
            } catch (IOException fileInTheWay) {
                // a generated file already has this name
            }
        }
        for (String f : c.files()) {
            Path p = ctx.resolve(f);
            try {
                Files.createDirectories(p.getParent());
                if (!Files.exists(p)) {
                    Files.writeString(p, f + "\n");
                }
            } catch (IOException dirInTheWay) {
                // a generated file is in the way of a parent directory
            }
        }
        return ctx;
    }

    private static Set<String> ourPaths(Path ctx) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        BuildContext.of(ctx, ctx.resolve("Dockerfile")).writeTo(tar);
        Set<String> paths = new TreeSet<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                addWithParents(paths, e.getName());
            }
        }
        return paths;
    }

    /** What {@code COPY . /ctx/} put in the image, read from {@code docker export} of a container of it. */
    private static Set<String> copiedPaths(Lab lab, String image) throws IOException {
        String container = cli(lab, null, "create", "--network", "none", image, "true").stdout().strip();
        assertThat(container).as("container of " + image).isNotEmpty();
        try {
            Path exported = Files.createTempFile("ignore-prop", ".tar");
            try {
                Lab.Result export = cli(lab, null, "export", "-o", exported.toString(), container);
                assertThat(export.exitCode()).as("docker export: " + export.stderr()).isZero();
                Set<String> paths = new TreeSet<>();
                try (InputStream raw = Files.newInputStream(exported);
                     TarArchiveInputStream in = new TarArchiveInputStream(raw)) {
                    TarArchiveEntry e;
                    while ((e = in.getNextEntry()) != null) {
                        String name = e.getName();
                        if (name.startsWith("ctx/") && name.length() > "ctx/".length()) {
                            addWithParents(paths, name.substring("ctx/".length()));
                        }
                    }
                }
                return paths;
            } finally {
                Files.deleteIfExists(exported);
            }
        } finally {
            cli(lab, null, "rm", "-f", container);
        }
    }

    /** Adds a tar name without its trailing slash, and all its parents; the two special files are skipped. */
    private static void addWithParents(Set<String> paths, String tarName) {
        String name = tarName.endsWith("/") ? tarName.substring(0, tarName.length() - 1) : tarName;
        if (SPECIAL.contains(name) || name.startsWith(".dockerfile.")) {
            return;
        }
        paths.add(name);
        for (int slash = name.lastIndexOf('/'); slash > 0; slash = name.lastIndexOf('/', slash - 1)) {
            paths.add(name.substring(0, slash));
        }
    }

    /** The docker CLI 26.1 of the lab, on the host daemon. */
    private static Lab.Result cli26(Lab lab, Map<String, String> env, String... args) {
        Path cli = Path.of(lab.fact("LAB_D26_ROOT")).resolveSibling("cli").resolve("usr/bin/docker");
        assertThat(cli).as("the lab's docker CLI 26.1 (scripts/lab start fetches it)").isExecutable();
        List<String> cmd = new ArrayList<>(List.of(cli.toString(), "-H", "unix://" + lab.hostSocket()));
        cmd.addAll(List.of(args));
        return Lab.exec(cmd, env, false);
    }

    private static Lab.Result cli(Lab lab, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket()));
        cmd.addAll(List.of(args));
        return Lab.exec(cmd, env, false);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
