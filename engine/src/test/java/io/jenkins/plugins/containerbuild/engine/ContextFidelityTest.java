package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The files that reach the image are exactly those that {@code /usr/bin/docker build} with the same builder puts
 * there: each tricky context is built twice, once by the engine and once by the docker 20.10 CLI
 * ({@code DOCKER_BUILDKIT=0} for the classic builder, {@code =1} for BuildKit), with {@code COPY . /ctx/}, and the
 * manifests of {@code /ctx} read from {@code docker export} of both images must be equal. A few expected facts are
 * asserted as well, so that two equally empty or equally wrong images cannot pass.
 */
class ContextFidelityTest {

    private static final String COPY_ALL = "COPY . /ctx/\n";
    /** The name the CLI and the engine give a Dockerfile from outside the context inside the tar. */
    private static final Pattern GENERATED_DOCKERFILE = Pattern.compile("\\.dockerfile\\.[0-9a-f]{20}");

    private final Lab lab = Lab.get();
    /** The daemon of the current case (a fresh instance per case). */
    private Lab.Daemon daemon;

    /** The contexts under test; each writes its files under a fresh temporary directory. */
    enum Context {
        DOCKERIGNORE_RULES,
        LINKS_NAMES_MODES,
        DOCKERFILE_OUTSIDE,
        DOCKERFILE_OUTSIDE_WITH_DOCKERIGNORE,
        DOCKERFILE_IN_SUBDIRECTORY,
        COPY_SOURCES
    }

    static Stream<Arguments> contexts() {
        return LabDaemons.full().flatMap(d -> Stream.of(Context.values())
                .flatMap(c -> Stream.of(BuilderKind.values()).map(k -> Arguments.of(d, c, k))));
    }

    /** Where the Dockerfile and its ignore file are found, as {@code docker build} finds them. */
    enum DockerfileLookup {
        DOCKERFILE_LINK_IN_CONTEXT,
        LOWER_CASE_DOCKERFILE,
        PER_DOCKERFILE_IGNORE
    }

    static Stream<Arguments> dockerfileLookups() {
        return LabDaemons.full().flatMap(d -> Stream.of(DockerfileLookup.values())
                .flatMap(c -> Stream.of(BuilderKind.values()).map(k -> Arguments.of(d, c, k))));
    }

    @ParameterizedTest(name = "{0}: {1} with {2}")
    @MethodSource("contexts")
    void engineCopiesExactlyWhatTheCliCopies(Lab.Daemon daemon, Context context, BuilderKind kind, @TempDir Path tmp)
            throws Exception {
        compare(daemon, kind, switch (context) {
            case DOCKERIGNORE_RULES -> dockerignoreRules(tmp);
            case LINKS_NAMES_MODES -> linksNamesModes(tmp);
            case DOCKERFILE_OUTSIDE -> dockerfileOutside(tmp, false);
            case DOCKERFILE_OUTSIDE_WITH_DOCKERIGNORE -> dockerfileOutside(tmp, true);
            case DOCKERFILE_IN_SUBDIRECTORY -> dockerfileInSubdirectory(tmp);
            case COPY_SOURCES -> copySources(tmp);
        });
    }

    @ParameterizedTest(name = "{0}: {1} with {2}")
    @MethodSource("dockerfileLookups")
    void engineFindsTheDockerfileAndItsIgnoreFileAsTheCliDoes(Lab.Daemon daemon, DockerfileLookup lookup,
            BuilderKind kind, @TempDir Path tmp) throws Exception {
        compare(daemon, kind, switch (lookup) {
            case DOCKERFILE_LINK_IN_CONTEXT -> dockerfileLinkInContext(tmp);
            case LOWER_CASE_DOCKERFILE -> lowerCaseDockerfile(tmp);
            case PER_DOCKERFILE_IGNORE -> perDockerfileIgnore(tmp);
        });
    }

    /**
     * Named pipes and sockets, which the docker CLI treats differently per builder: the classic builder's tar keeps a
     * pipe and leaves a socket out; BuildKit's file sync sends a socket as an empty file and a pipe as a pipe, which
     * Docker 20.10 leaves out and 26.1 keeps. A pipe opened for reading would block the build: hence the timeout.
     */
    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#fullWithBuilders")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void engineSendsPipesAndSocketsAsTheCliDoes(Lab.Daemon daemon, BuilderKind kind, @TempDir Path tmp)
            throws Exception {
        compare(daemon, kind, pipesAndSockets(tmp));
    }

    private void compare(Lab.Daemon daemon, BuilderKind kind, Layout layout) throws Exception {
        this.daemon = daemon;
        String ours = LabSupport.unique("it/fidelity-engine-" + kind).toLowerCase();
        String theirs = LabSupport.unique("it/fidelity-cli-" + kind).toLowerCase();
        // the two builds are independent (no cache is shared: both use no-cache), so run them side by side
        CompletableFuture<Void> cli = CompletableFuture.runAsync(() -> cliBuild(kind, layout, theirs));
        try {
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                BuildRequest.Builder request = BuildRequest.builder(layout.context()).tag(ours).networkMode("none")
                        .noCache(true).builderKind(kind);
                if (layout.dockerfile() != null) {
                    request.dockerfile(layout.dockerfile());
                }
                engine.build(request.build());
            }
            cli.get(5, TimeUnit.MINUTES);

            CompletableFuture<Map<String, Entry>> cliManifest = CompletableFuture.supplyAsync(() -> manifest(theirs));
            Map<String, Entry> engineManifest = manifest(ours);
            Map<String, Entry> expected = cliManifest.get(5, TimeUnit.MINUTES);

            Map<String, Entry> comparable = withoutLeakedDockerfile(engineManifest, kind, layout);
            assertThat(lines(comparable))
                    .as("/ctx built by the engine (%s) vs by DOCKER_BUILDKIT=%s docker build", kind,
                            kind == BuilderKind.BUILDKIT ? 1 : 0)
                    .containsExactlyElementsOf(lines(expected));
            layout.facts().check(comparable, kind);
        } finally {
            try {
                cli.exceptionally(e -> null).get(5, TimeUnit.MINUTES); // so that no image appears after the cleanup
            } finally {
                LabSupport.removeImages(daemon, ours, theirs);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- contexts

    /**
     * Where the context and the Dockerfile are (null: the default, no {@code -f}), and what must be true of the
     * copied files.
     *
     * @param dockerfileInTar the name under which the engine's tar carries the Dockerfile when the docker CLI with
     *     BuildKit would not let {@code COPY .} see it (excluded by the .dockerignore, or outside the context); null
     *     when it is an ordinary file of the context
     */
    record Layout(Path context, Path dockerfile, Pattern dockerfileInTar, Facts facts) {}

    @FunctionalInterface
    interface Facts {
        void check(Map<String, Entry> manifest, BuilderKind kind);
    }

    private Layout dockerignoreRules(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "Dockerfile", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, ".dockerignore", String.join("\n",
                "# comment",
                "  spaced.txt  ",
                "*.log",
                "!keep.log",
                "**/*.tmp",
                "/rootonly.txt",
                "build",
                "!build/keep",
                "*.md",
                "\t",
                ".dockerignore",
                "Dockerfile",
                ""));
        for (String name : List.of("# comment", "spaced.txt", "normal.txt", "a.log", "keep.log", "sub/b.log", "x.tmp",
                "sub/deep/y.tmp", "sub/deep/z.txt", "rootonly.txt", "sub/rootonly.txt", "build/out.bin",
                "build/keep", "build/other/deeper.txt", "README.md", "sub/readme.md")) {
            write(ctx, name, "content of " + name + "\n");
        }
        return new Layout(ctx, ctx.resolve("Dockerfile"), Pattern.compile("Dockerfile"), (m, kind) -> {
            assertThat(m).containsKeys("# comment", "normal.txt", "keep.log", "sub/b.log", "sub/deep/z.txt",
                    "sub/rootonly.txt", "build/keep", "sub/readme.md");
            assertThat(m).doesNotContainKeys("spaced.txt", "a.log", "x.tmp", "sub/deep/y.tmp", "rootonly.txt",
                    "build/out.bin", "build/other", "build/other/deeper.txt", "README.md");
            // listed in .dockerignore: sent to the daemon (it needs them) but never copied
            assertThat(m).doesNotContainKeys("Dockerfile", ".dockerignore");
            assertThat(m.get("keep.log").sha256()).isEqualTo(sha256("content of keep.log\n"));
        });
    }

    private Layout pipesAndSockets(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "Dockerfile", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, "plain.txt", "plain\n");
        Files.createDirectories(ctx.resolve("sub"));
        Lab.exec(List.of("mkfifo", "-m", "0640", ctx.resolve("fifo").toString(), ctx.resolve("sub/fifo").toString()),
                null, true);
        for (String name : List.of("sock", "sub/sock")) {
            // binding makes the socket file, which stays when the channel is closed
            try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                socket.bind(UnixDomainSocketAddress.of(ctx.resolve(name)));
            }
        }
        return new Layout(ctx, null, null, (m, kind) -> {
            assertThat(m).containsKeys("plain.txt", "sub");
            if (kind == BuilderKind.CLASSIC) {
                assertThat(m.get("fifo").type()).as("the pipe, kept by the classic builder's tar").isEqualTo("fifo");
                assertThat(m.get("sub/fifo").type()).isEqualTo("fifo");
                assertThat(m).as("sockets, which the tar leaves out").doesNotContainKeys("sock", "sub/sock");
            } else {
                assertThat(m.get("sock").type()).as("a socket, an empty file to BuildKit").isEqualTo("file");
                assertThat(m.get("sock").size()).isZero();
                assertThat(m.get("sub/sock").type()).isEqualTo("file");
                assertThat(m.containsKey("fifo")).as("the pipe, which only the newer BuildKit keeps")
                        .isEqualTo(daemon.engine26());
            }
        });
    }

    private Layout linksNamesModes(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "Dockerfile", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(tmp, "outside.txt", "outside the context\n");

        write(ctx, "target.txt", "the target\n");
        write(ctx, "sub/inner.txt", "inner\n");
        Files.createSymbolicLink(ctx.resolve("rel-link"), Path.of("target.txt"));
        Files.createSymbolicLink(ctx.resolve("sub/up-link"), Path.of("../target.txt"));
        Files.createSymbolicLink(ctx.resolve("abs-link"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(ctx.resolve("dangling-link"), Path.of("no/such/file"));
        Files.createSymbolicLink(ctx.resolve("outside-link"), Path.of("../outside.txt"));
        Files.createSymbolicLink(ctx.resolve("dir-link"), Path.of("sub"));

        write(ctx, "hard-a.txt", "two names, one inode\n");
        Files.createLink(ctx.resolve("hard-b.txt"), ctx.resolve("hard-a.txt"));
        write(ctx, "sub/hard-c.txt", "three names\n");
        Files.createLink(ctx.resolve("hard-d.txt"), ctx.resolve("sub/hard-c.txt"));
        Files.createLink(ctx.resolve("sub/deeper-hard-e.txt"), ctx.resolve("sub/hard-c.txt"));

        String longPath = "l1-" + "a".repeat(60) + "/l2-" + "b".repeat(60) + "/l3-" + "c".repeat(60) + "/l4-"
                + "d".repeat(60) + "/file-" + "e".repeat(40) + ".txt";
        write(ctx, longPath, "deep and long\n");
        String longName = "n".repeat(196) + ".txt";
        write(ctx, longName, "a long name\n");
        String unicode = "ünïcödé-файл-文件.txt";
        write(ctx, unicode, "unicode\n");
        String emoji = "emoji-🐳🚀.txt";
        write(ctx, emoji, "emoji\n");
        write(ctx, "dïr-目录/ファイル.txt", "unicode dir\n");

        write(ctx, "mode-0755.sh", "#!/bin/sh\n");
        write(ctx, "mode-0600.txt", "private\n");
        write(ctx, "mode-0444.txt", "read only\n");
        write(ctx, "setuid-4755", "setuid\n");
        write(ctx, "setgid-2755", "setgid\n");
        write(ctx, "setgid-dir/in.txt", "in a setgid dir\n");
        write(ctx, "sticky-dir/in.txt", "in a sticky dir\n");
        chmod("0755", ctx.resolve("mode-0755.sh"));
        chmod("0600", ctx.resolve("mode-0600.txt"));
        chmod("0444", ctx.resolve("mode-0444.txt"));
        chmod("4755", ctx.resolve("setuid-4755"));
        chmod("2755", ctx.resolve("setgid-2755"));
        chmod("2755", ctx.resolve("setgid-dir"));
        chmod("1777", ctx.resolve("sticky-dir"));

        Files.createDirectories(ctx.resolve("empty"));
        Files.createDirectories(ctx.resolve("nested/empty/deeper"));

        return new Layout(ctx, ctx.resolve("Dockerfile"), null, (m, kind) -> {
            assertThat(m.get("rel-link")).isEqualTo(Entry.symlink("rel-link", 0777, "target.txt"));
            assertThat(m.get("sub/up-link")).isEqualTo(Entry.symlink("sub/up-link", 0777, "../target.txt"));
            assertThat(m.get("abs-link")).isEqualTo(Entry.symlink("abs-link", 0777, "/etc/hostname"));
            assertThat(m.get("dangling-link")).isEqualTo(Entry.symlink("dangling-link", 0777, "no/such/file"));
            assertThat(m.get("outside-link")).isEqualTo(Entry.symlink("outside-link", 0777, "../outside.txt"));
            assertThat(m.get("dir-link")).isEqualTo(Entry.symlink("dir-link", 0777, "sub"));
            assertThat(m).doesNotContainKeys("dir-link/inner.txt");

            // hard links: every name is there with the contents, however export spells the link
            for (String name : List.of("hard-a.txt", "hard-b.txt", "sub/hard-c.txt", "hard-d.txt",
                    "sub/deeper-hard-e.txt")) {
                assertThat(m).containsKey(name);
            }
            assertThat(m.values()).filteredOn(e -> e.type().equals("hardlink")).isNotEmpty();
            assertThat(m.get("hard-a.txt").sha256()).isEqualTo(sha256("two names, one inode\n"));

            assertThat(longPath.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(255);
            assertThat(m.get(longPath).sha256()).isEqualTo(sha256("deep and long\n"));
            assertThat(m.get(longName).sha256()).isEqualTo(sha256("a long name\n"));
            assertThat(m.get(unicode).sha256()).isEqualTo(sha256("unicode\n"));
            assertThat(m.get(emoji).sha256()).isEqualTo(sha256("emoji\n"));
            assertThat(m).containsKey("dïr-目录/ファイル.txt");

            assertThat(m.get("mode-0755.sh").mode()).isEqualTo(0755);
            assertThat(m.get("mode-0600.txt").mode()).isEqualTo(0600);
            assertThat(m.get("mode-0444.txt").mode()).isEqualTo(0444);
            // the classic builder drops setuid and setgid from files on COPY (not from directories), BuildKit keeps them
            int fileBits = kind == BuilderKind.BUILDKIT ? 1 : 0;
            assertThat(m.get("setuid-4755").mode()).isEqualTo(fileBits * 04000 | 0755);
            assertThat(m.get("setgid-2755").mode()).isEqualTo(fileBits * 02000 | 0755);
            assertThat(m.get("setgid-dir").mode()).isEqualTo(02755);
            assertThat(m.get("sticky-dir").mode()).isEqualTo(01777);

            assertThat(m.get("empty").type()).isEqualTo("dir");
            assertThat(m.get("nested/empty/deeper").type()).isEqualTo("dir");
            assertThat(m.keySet()).noneMatch(k -> k.startsWith("empty/") || k.startsWith("nested/empty/deeper/"));
        });
    }

    private Layout dockerfileOutside(Path tmp, boolean withDockerignore) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(tmp, "dockerfiles/Dockerfile.outside", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, "app.txt", "app\n");
        write(ctx, "sub/ignored.txt", "maybe ignored\n");
        write(ctx, "ignored.txt", "maybe ignored\n");
        if (withDockerignore) {
            write(ctx, ".dockerignore", "ignored.txt\n");
        }
        return new Layout(ctx, dockerfile, GENERATED_DOCKERFILE, (m, kind) -> {
            assertThat(m).containsKeys("app.txt", "sub/ignored.txt");
            assertThat(m.containsKey("ignored.txt")).isEqualTo(!withDockerignore);
            if (!withDockerignore) {
                // the classic CLI sends a .dockerignore it made up, which the daemon drops; BuildKit sends none
                assertThat(m).doesNotContainKey(".dockerignore");
            } else if (kind == BuilderKind.BUILDKIT) {
                assertThat(m.get(".dockerignore").sha256()).isEqualTo(sha256("ignored.txt\n"));
            } else {
                // the classic builder keeps the .dockerignore that names the Dockerfile (under a random name)
                assertThat(m.get(".dockerignore").sha256()).isEqualTo(sha256("ignored.txt\n\n.dockerfile.<random>\n"));
            }
            // the Dockerfile, sent under a generated name, never lands in the image
            assertThat(m.keySet()).noneMatch(k -> k.startsWith(".dockerfile") || k.contains("Dockerfile"));
        });
    }

    private Layout dockerfileInSubdirectory(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(ctx, "sub/Dockerfile.build", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, "app.txt", "app\n");
        write(ctx, "sub/x.txt", "x\n");
        write(ctx, "Dockerfile", "FROM scratch\n# not the Dockerfile of this build\n");
        return new Layout(ctx, dockerfile, null, (m, kind) -> {
            assertThat(m).containsKeys("app.txt", "sub/x.txt", "Dockerfile");
            assertThat(m.get("sub/Dockerfile.build").sha256())
                    .isEqualTo(sha256("FROM " + lab.baseImage() + "\n" + COPY_ALL));
        });
    }

    /**
     * {@code COPY} of named sources rather than {@code .}: a directory, wildcards in a name and in a path, a
     * character class, a link. BuildKit asks the session for these as followed paths, wildcards included; a
     * directory comes with everything in it, and the .dockerignore still holds files back.
     */
    private Layout copySources(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "Dockerfile", "FROM " + lab.baseImage() + "\n"
                + "COPY *.pub /ctx/pub/\n"
                + "COPY dir1 /ctx/dir1/\n"
                + "COPY src/*.go /ctx/go/\n"
                + "COPY [ab].txt /ctx/class/\n"
                + "COPY link.txt /ctx/linked/\n");
        write(ctx, ".dockerignore", "src/held.go\n");
        for (String name : List.of("a.pub", "b.pub", "c.txt", "a.txt", "b.txt", "dir1/in", "dir1/sub/deep",
                "dir2/in", "src/x.go", "src/y.go", "src/held.go", "src/z.md", "target.txt")) {
            write(ctx, name, "content of " + name + "\n");
        }
        Files.createSymbolicLink(ctx.resolve("link.txt"), Path.of("target.txt"));
        return new Layout(ctx, ctx.resolve("Dockerfile"), null, (m, kind) -> {
            assertThat(m).containsKeys("pub/a.pub", "pub/b.pub", "dir1/in", "dir1/sub/deep", "go/x.go", "go/y.go",
                    "class/a.txt", "class/b.txt", "linked/link.txt");
            assertThat(m).doesNotContainKeys("go/held.go", "go/z.md", "class/c.txt", "dir1/dir1", "dir2");
            assertThat(m.get("dir1/sub/deep").sha256()).isEqualTo(sha256("content of dir1/sub/deep\n"));
            assertThat(m.get("linked/link.txt").sha256()).isEqualTo(sha256("content of target.txt\n"));
        });
    }

    /** A Dockerfile that is a link to another file of the context: both builders follow it. */
    private Layout dockerfileLinkInContext(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "Dockerfile.real", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        Files.createSymbolicLink(ctx.resolve("Dockerfile"), Path.of("Dockerfile.real"));
        write(ctx, "app.txt", "app\n");
        return new Layout(ctx, ctx.resolve("Dockerfile"), null, (m, kind) -> {
            assertThat(m.get("Dockerfile")).isEqualTo(Entry.symlink("Dockerfile", 0777, "Dockerfile.real"));
            assertThat(m.get("Dockerfile.real").sha256()).isEqualTo(sha256("FROM " + lab.baseImage() + "\n" + COPY_ALL));
            assertThat(m).containsKey("app.txt");
        });
    }

    /** Only a lower-case {@code dockerfile}, and no {@code -f}: the docker CLI and BuildKit fall back to it. */
    private Layout lowerCaseDockerfile(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        write(ctx, "dockerfile", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, "app.txt", "app\n");
        return new Layout(ctx, null, null, (m, kind) -> assertThat(m).containsKeys("dockerfile", "app.txt"));
    }

    /**
     * {@code build/Dockerfile.prod} with its own {@code build/Dockerfile.prod.dockerignore}: BuildKit applies that
     * one instead of the context's {@code .dockerignore}; the docker CLI's classic builder only the context's.
     */
    private Layout perDockerfileIgnore(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path dockerfile = write(ctx, "build/Dockerfile.prod", "FROM " + lab.baseImage() + "\n" + COPY_ALL);
        write(ctx, "build/Dockerfile.prod.dockerignore", "y.txt\n");
        write(ctx, ".dockerignore", "x.txt\n");
        write(ctx, "x.txt", "x\n");
        write(ctx, "y.txt", "y\n");
        return new Layout(ctx, dockerfile, null, (m, kind) -> {
            assertThat(m.containsKey("x.txt")).as("x.txt, which the context's .dockerignore names")
                    .isEqualTo(kind == BuilderKind.BUILDKIT);
            assertThat(m.containsKey("y.txt")).as("y.txt, which the Dockerfile's own ignore file names")
                    .isEqualTo(kind == BuilderKind.CLASSIC);
            assertThat(m).containsKeys(".dockerignore", "build/Dockerfile.prod.dockerignore");
        });
    }

    // ---------------------------------------------------------------------------------------------- docker

    private void cliBuild(BuilderKind kind, Layout layout, String tag) {
        List<String> args = new ArrayList<>(List.of("build", "--no-cache", "--network", "none", "-t", tag));
        if (layout.dockerfile() != null) {
            args.addAll(List.of("-f", layout.dockerfile().toAbsolutePath().toString()));
        }
        args.add(layout.context().toAbsolutePath().toString());
        daemon.run(Map.of("DOCKER_BUILDKIT", kind == BuilderKind.BUILDKIT ? "1" : "0"), args.toArray(String[]::new));
    }

    /** The manifest of {@code /ctx} in the image, keyed by path relative to {@code /ctx} ("" for itself). */
    private Map<String, Entry> manifest(String image) {
        String container = daemon.docker("create", image).trim();
        try {
            return exportedCtx(container);
        } finally {
            daemon.tryRun("rm", "-f", container);
        }
    }

    private Map<String, Entry> exportedCtx(String container) {
        try {
            Path err = Files.createTempFile("fidelity-export", ".err");
            try {
                Process p = new ProcessBuilder("/usr/bin/docker", "-H", "unix://" + daemon.socket(), "export", container)
                        .redirectError(err.toFile()).start();
                p.getOutputStream().close();
                Map<String, Entry> entries = new TreeMap<>();
                try (InputStream in = p.getInputStream();
                        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name())) {
                    TarArchiveEntry e;
                    while ((e = tar.getNextEntry()) != null) {
                        String name = stripSlashes(e.getName());
                        if (!name.equals("ctx") && !name.startsWith("ctx/")) {
                            continue;
                        }
                        String path = name.equals("ctx") ? "" : name.substring("ctx/".length());
                        Entry entry = toEntry(path, e, tar);
                        if (entries.put(path, entry) != null) {
                            throw new IllegalStateException("export of " + container + " lists " + path + " twice");
                        }
                    }
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // the rest, so the CLI never blocks
                }
                if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException("docker export " + container + " failed: " + Files.readString(err));
                }
                if (entries.isEmpty()) {
                    throw new IllegalStateException("docker export " + container + " has no /ctx at all");
                }
                return entries;
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Entry toEntry(String path, TarArchiveEntry e, InputStream contents) throws IOException {
        int mode = e.getMode() & 07777;
        String owner = e.getLongUserId() + ":" + e.getLongGroupId();
        if (e.isSymbolicLink()) {
            return new Entry(path, "symlink", mode, owner, 0, null, e.getLinkName());
        }
        if (e.isLink()) {
            return new Entry(path, "hardlink", mode, owner, 0, null, e.getLinkName());
        }
        if (e.isDirectory()) {
            return new Entry(path, "dir", mode, owner, 0, null, null);
        }
        if (e.isFIFO()) {
            return new Entry(path, "fifo", mode, owner, 0, null, null);
        }
        if (e.isFile() && path.equals(".dockerignore")) {
            // a .dockerignore the CLI (or the engine) rewrote names a Dockerfile under a random name: hash without it
            String text = new String(contents.readAllBytes(), StandardCharsets.UTF_8);
            String normalized = GENERATED_DOCKERFILE.matcher(text).replaceAll(".dockerfile.<random>");
            return new Entry(path, "file", mode, owner, e.getSize(), sha256(normalized), null);
        }
        if (e.isFile()) {
            return new Entry(path, "file", mode, owner, e.getSize(), sha256(contents), null);
        }
        return new Entry(path, "other:" + (char) e.getLinkFlag(), mode, owner, e.getSize(), null, e.getLinkName());
    }

    /**
     * One object under {@code /ctx}. A hard link is how {@code docker export} spells it: a link to the first name
     * (with the {@code ctx/} prefix, as in the export).
     */
    record Entry(String path, String type, int mode, String owner, long size, String sha256, String link) {

        static Entry symlink(String path, int mode, String target) {
            return new Entry(path, "symlink", mode, "0:0", 0, null, target);
        }

        @Override
        public String toString() {
            return path + "  " + type + " " + String.format("%04o", mode) + " " + owner
                    + (type.equals("file") ? " " + size + " bytes sha256:" + sha256 : "")
                    + (link != null ? " -> " + link : "");
        }
    }

    /**
     * The engine's manifest, after checking that BuildKit got no Dockerfile through the context: the engine serves
     * it apart from the context through its BuildKit session, as the docker CLI does (only the tar fallback, without a
     * session, has to put it in the context).
     */
    private static Map<String, Entry> withoutLeakedDockerfile(Map<String, Entry> manifest, BuilderKind kind,
            Layout layout) {
        if (kind == BuilderKind.BUILDKIT && layout.dockerfileInTar() != null) {
            assertThat(manifest.keySet()).as("Dockerfile entries in the engine's /ctx")
                    .noneMatch(k -> layout.dockerfileInTar().matcher(k).matches());
        }
        return manifest;
    }

    private static List<String> lines(Map<String, Entry> manifest) {
        List<String> lines = new ArrayList<>();
        manifest.values().forEach(e -> lines.add(e.toString()));
        return lines;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static Path write(Path dir, String name, String contents) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, contents);
        return p;
    }

    private static void chmod(String mode, Path path) {
        Lab.exec(List.of("chmod", mode, path.toString()), null, true);
    }

    private static String stripSlashes(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    private static String sha256(String s) {
        return HexFormat.of().formatHex(digest().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String sha256(InputStream in) throws IOException {
        MessageDigest md = digest();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) > 0) {
            md.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
