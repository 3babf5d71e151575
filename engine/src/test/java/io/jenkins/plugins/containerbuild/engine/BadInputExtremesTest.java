package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.context.BuildContext;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.reference.InvalidReferenceException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Extreme and hostile inputs: each ends in a correct build or in one of our exceptions whose message says what was
 * wrong and what to do, never in a hang (every test has a hard timeout on a separate thread) or a raw stack trace.
 *
 * <p>Not covered: a file that cannot be read. The tests run as root, which ignores {@code chmod 000}; a FIFO (which
 * would block a reader) is covered instead, and a file that vanishes between listing and reading cannot be made to
 * happen at a chosen moment from here (ContextWalker and ContextTarWriter skip it, as the docker CLI does).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputExtremesTest {

    private final Lab lab = Lab.get();
    private final String tag = LabSupport.unique("it/bad-input").toLowerCase();

    @AfterEach
    void removeImage() {
        LabSupport.removeImages(tag);
    }

    // ---------------------------------------------------------------------------------------------- build args

    /**
     * The Docker API takes build args (and labels) as a URL query parameter. The daemon refuses a request line over
     * 1 MiB with HTTP 431 and drops the connection while the context is being sent, which surfaced as "daemon cannot
     * be reached (Broken pipe)"; between 128 KiB and 1 MiB it accepts the build but the value never reaches RUN (seen
     * with 200 KB and 900 KB: the RUN saw an empty value). So the engine refuses a query over 64 KiB before sending.
     */
    @Test
    void megabyteBuildArgIsRefusedBeforeAnythingIsSent(@TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nARG BIG\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            BuildRequest request = BuildRequest.builder(dir).buildArg("BIG", "x".repeat(1024 * 1024)).tag(tag).build();
            assertThatThrownBy(() -> engine.build(request))
                    .isExactlyInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("build argument BIG, 1048576 characters")
                    .hasMessageContaining("limit of 65536")
                    .hasMessageContaining("Pass large values as files in the build context");
        }
        assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.Progress || e.toString().contains("Building"));
        assertThat(Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket(), "image", "inspect", tag),
                null, false).exitCode()).as("no image was built").isNotZero();
    }

    @Test
    void hugeLabelIsRefusedTooAndNamed(@TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            BuildRequest request = BuildRequest.builder(dir).label("notes", "é".repeat(30_000)).build();
            // 30,000 characters, but 180,000 once UTF-8 and URL encoded: the encoded length is what counts
            assertThatThrownBy(() -> engine.build(request))
                    .isExactlyInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("label notes, 30000 characters");
        }
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void largeBuildArgUnderTheLimitReachesRunIntact(BuilderKind kind, @TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nARG BIG\nRUN test \"${#BIG}\" -eq 60000 && test \"${BIG%z}\" != \"$BIG\"\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            BuildResult result = engine.build(BuildRequest.builder(dir).buildArg("BIG", "y".repeat(59_999) + "z")
                    .networkMode("none").builderKind(kind).tag(tag).build());
            assertThat(result.imageId()).startsWith("sha256:");
        }
    }

    // ---------------------------------------------------------------------------------------------- NUL bytes

    @Test
    void nulBytesAreRefusedByTheRequestBuilderNamingTheField(@TempDir Path dir) {
        BuildRequest.Builder b = BuildRequest.builder(dir);
        assertThatThrownBy(() -> b.buildArg("A\0B", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Build argument name").hasMessageContaining("NUL");
        assertThatThrownBy(() -> b.buildArg("A", "v\0w")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Build argument A contains a NUL character (at position 2)");
        assertThatThrownBy(() -> b.label("l\0", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Label name");
        assertThatThrownBy(() -> b.label("l", "\0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Label l contains a NUL character");
        assertThatThrownBy(() -> b.revision("abc\0")).hasMessageContaining("Revision contains a NUL");
        assertThatThrownBy(() -> b.source("\0x")).hasMessageContaining("Source contains a NUL");
        assertThatThrownBy(() -> b.target("st\0age")).hasMessageContaining("Target stage contains a NUL");
        assertThatThrownBy(() -> b.networkMode("no\0ne")).hasMessageContaining("Network mode contains a NUL");
        assertThatThrownBy(() -> b.platform("linux/\0")).hasMessageContaining("Platform contains a NUL");
        assertThatThrownBy(() -> b.tag("app:1\0")).isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("app:1\\u0000").hasMessageContaining("U+0000");
        assertThatThrownBy(() -> b.cacheFrom("app\0")).isInstanceOf(InvalidReferenceException.class);
        assertThatThrownBy(() -> PushRequest.builder().tag("\0")).isInstanceOf(InvalidReferenceException.class);
        // a path with NUL never reaches the engine: the API takes java.nio.file.Path, which cannot hold one
        assertThatThrownBy(() -> dir.resolve("ctx\0")).isInstanceOf(InvalidPathException.class);
    }

    // ---------------------------------------------------------------------------------------------- paths

    /**
     * Like {@code docker build -f ctx/../../etc/passwd ctx}: a Dockerfile outside the context is allowed (the CLI sends
     * it under a generated name), so the traversal names /etc/passwd as a Dockerfile; having no FROM, it is refused
     * before anything is sent (the docker CLI would send it, and the daemon refuse to parse it).
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void dockerfilePathTraversingOutOfTheContextIsReadAsAnOutsideDockerfile(BuilderKind kind, @TempDir Path dir)
            throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Path traversal = ctx.resolve("../".repeat(ctx.getNameCount()) + "etc/passwd");
        assertThat(traversal.normalize()).isEqualTo(Path.of("/etc/passwd"));
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(ctx).dockerfile(traversal).builderKind(kind).build()))
                    .isInstanceOf(BuildContextException.class)
                    .hasMessageContaining("/etc/passwd has no build stage")
                    .satisfies(e -> assertNoStackTrace(e.getMessage()));
        }
    }

    /** Symbolic links that point out of the context, absolutely or relatively, are sent as links and never followed. */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void symlinksEscapingTheContextAreNotFollowed(BuilderKind kind, @TempDir Path dir) throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        LabSupport.context(ctx, "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n"
                + "RUN test -L /ctx/abs && test -L /ctx/rel && test -L /ctx/sub/up && test ! -e /ctx/abs/secret.txt"
                + " && test ! -e /ctx/rel/secret.txt && ! find /ctx | grep -q secret\n", "sub/file", "x");
        Files.createSymbolicLink(ctx.resolve("abs"), outside);
        Files.createSymbolicLink(ctx.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(ctx.resolve("sub/up"), Path.of("../.."));
        for (BuildContext context : List.of(BuildContext.of(ctx, ctx.resolve("Dockerfile")),
                BuildContext.forBuildKit(ctx, ctx.resolve("Dockerfile")))) {
            Map<String, TarArchiveEntry> tar = tarEntries(context);
            assertThat(tar.keySet()).noneMatch(n -> n.contains("secret") || n.startsWith("abs/") || n.startsWith("rel/")
                    || n.startsWith("sub/up/"));
            assertThat(tar.get("abs").getLinkName()).isEqualTo(outside.toString());
            assertThat(tar.get("rel").getLinkName()).isEqualTo("../outside");
            assertThat(tar.get("sub/up").isSymbolicLink()).isTrue();
        }
        build(ctx, kind);
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void symlinkLoopsInTheContextAreCopiedAsLinks(BuilderKind kind, @TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        LabSupport.context(ctx, "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n"
                + "RUN test -L /ctx/self && test -L /ctx/ping && test -L /ctx/pong && test -L /ctx/d/again\n", "d/f", "f");
        Files.createSymbolicLink(ctx.resolve("self"), Path.of("self"));
        Files.createSymbolicLink(ctx.resolve("ping"), Path.of("pong"));
        Files.createSymbolicLink(ctx.resolve("pong"), Path.of("ping"));
        Files.createSymbolicLink(ctx.resolve("d/again"), Path.of("../d"));
        assertThat(tarNames(BuildContext.of(ctx, ctx.resolve("Dockerfile"))))
                .containsExactly("Dockerfile", "d/", "d/again", "d/f", "ping", "pong", "self");
        build(ctx, kind);
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void emptyContextWithTheDockerfileOutsideBuilds(BuilderKind kind, @TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("empty"));
        Path dockerfile = Files.writeString(dir.resolve("build.Dockerfile"), "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n"
                // BuildKit reads the Dockerfile from the tar, so COPY sees it there (see BuildContext); nothing else
                + "RUN test \"$(ls -A /ctx | grep -v '^\\.dockerfile\\.' | wc -l)\" -eq 0\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThat(engine.build(BuildRequest.builder(ctx).dockerfile(dockerfile).networkMode("none")
                    .builderKind(kind).tag(tag).build()).imageId()).startsWith("sha256:");
        }
    }

    // ---------------------------------------------------------------------------------------------- Dockerfiles

    /** 10 MB of comment lines (100,000 of them) around three instructions: a correct build. */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void tenMegabyteDockerfileOfCommentsBuilds(BuilderKind kind, @TempDir Path dir) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile");
        String comment = "# " + "c".repeat(97) + "\n";
        try (Writer w = Files.newBufferedWriter(dockerfile)) {
            w.write("FROM " + lab.baseImage() + "\n");
            for (int i = 0; i < 50_000; i++) {
                w.write(comment);
            }
            w.write("LABEL middle=yes\n");
            for (int i = 0; i < 50_000; i++) {
                w.write(comment);
            }
            w.write("LABEL end=yes\n");
        }
        assertThat(Files.size(dockerfile)).isGreaterThan(10_000_000);
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            engine.build(BuildRequest.builder(dir).builderKind(kind).tag(tag).build());
        }
        assertThat(lab.docker("image", "inspect", "--format", "{{.Config.Labels.middle}} {{.Config.Labels.end}}", tag).strip())
                .isEqualTo("yes yes");
    }

    /** One 10 MB line: the daemon refuses Dockerfile lines over 64 KiB; the engine reports the daemon's reason. */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void tenMegabyteDockerfileLineIsAClearBuildFailure(BuilderKind kind, @TempDir Path dir) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile");
        try (Writer w = Files.newBufferedWriter(dockerfile)) {
            w.write("FROM " + lab.baseImage() + "\nLABEL huge=");
            String chunk = "h".repeat(1000);
            for (int i = 0; i < 10_000; i++) {
                w.write(chunk);
            }
            w.write("\n");
        }
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).builderKind(kind).tag(tag).build()))
                    .isInstanceOf(BuildFailedException.class)
                    .hasMessageContaining("dockerfile line greater than max allowed size of 65535")
                    .satisfies(e -> assertNoStackTrace(e.getMessage()));
        }
    }

    @Test
    void dockerfileThatIsADirectoryIsNamedAsSuch(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("Dockerfile"));
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(dir).build()))
                    .isExactlyInstanceOf(BuildContextException.class)
                    .hasMessageContaining(dir.resolve("Dockerfile").toString())
                    .hasMessageContaining("is not a regular file")
                    .hasMessageNotContaining("does not exist");
        }
    }

    @Test
    void contextThatIsAFileIsNamedAsSuch(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("context.tar"), "not a directory");
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            // with the default Dockerfile (context.tar/Dockerfile) and with one that exists
            for (BuildRequest request : List.of(BuildRequest.builder(file).build(),
                    BuildRequest.builder(file).dockerfile(dir.resolve("Dockerfile")).build())) {
                assertThatThrownBy(() -> engine.build(request))
                        .isExactlyInstanceOf(BuildContextException.class)
                        .hasMessageContaining(file.toString())
                        .hasMessageContaining("is not a directory: pass a directory as the context");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- FIFOs

    /**
     * A named pipe would block whoever opens it. The engine never opens one: in the context it is sent as the docker
     * CLI sends it, never read (the classic builder's tar has its header alone and the image keeps the pipe; Docker
     * 20.10's BuildKit, which gets it through the file sync, leaves it out), and as the Dockerfile or the
     * .dockerignore it is refused as not a regular file.
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void fifoInTheContextIsSentWithoutBlocking(BuilderKind kind, @TempDir Path dir) throws Exception {
        String pipe = kind == BuilderKind.CLASSIC ? "test -p /ctx/pipe" : "test ! -e /ctx/pipe";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY . /ctx/\nRUN test -f /ctx/kept && " + pipe + "\n",
                "kept", "k");
        mkfifo(dir.resolve("pipe"));
        assertThat(tarNames(BuildContext.of(dir, dir.resolve("Dockerfile")))).contains("pipe", "kept");
        build(dir, kind);
    }

    @Test
    void fifoAsDockerfileOrDockerignoreIsRefusedWithoutBlocking(@TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        mkfifo(ctx.resolve("Dockerfile"));
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(ctx).build()))
                    .isExactlyInstanceOf(BuildContextException.class)
                    .hasMessageContaining("is not a regular file");
            Path other = Files.createDirectories(dir.resolve("other"));
            LabSupport.context(other, "FROM " + lab.baseImage() + "\n");
            mkfifo(other.resolve(".dockerignore"));
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(other).build()))
                    .isExactlyInstanceOf(BuildContextException.class)
                    .hasMessageContaining(".dockerignore is not a regular file");
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private void build(Path ctx, BuilderKind kind) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            BuildResult result = engine.build(BuildRequest.builder(ctx).networkMode("none").noCache(true)
                    .builderKind(kind).tag(tag).build());
            assertThat(result.imageId()).startsWith("sha256:");
        }
    }

    private static void mkfifo(Path path) {
        Lab.exec(List.of("mkfifo", path.toString()), null, true);
    }

    private static void assertNoStackTrace(String message) {
        assertThat(message).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    private static List<String> tarNames(BuildContext context) throws IOException {
        return List.copyOf(tarEntries(context).keySet());
    }

    private static Map<String, TarArchiveEntry> tarEntries(BuildContext context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        context.writeTo(out);
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(new String(e.getName().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), e);
            }
        }
        return entries;
    }
}
