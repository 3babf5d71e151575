package io.jenkins.plugins.containerbuild.engine.context;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildContextTest {

    @TempDir
    Path tmp;

    /** One tar entry read back, with the contents of a regular file. */
    record Read(TarArchiveEntry entry, byte[] contents) {
        String text() {
            return new String(contents, UTF_8);
        }
    }

    static Map<String, Read> readTar(InputStream in) throws IOException {
        Map<String, Read> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in, UTF_8.name())) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                byte[] contents = entry.isFile() ? tar.readAllBytes() : new byte[0];
                assertThat(entries.put(entry.getName(), new Read(entry, contents)))
                        .as("duplicate entry %s", entry.getName()).isNull();
            }
        }
        return entries;
    }

    static byte[] tarBytes(BuildContext context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        context.writeTo(out);
        return out.toByteArray();
    }

    static Map<String, Read> tar(BuildContext context) throws IOException {
        return readTar(new ByteArrayInputStream(tarBytes(context)));
    }

    private Path context() throws IOException {
        return Files.createDirectories(tmp.resolve("ctx"));
    }

    private static Path write(Path file, String contents) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, contents);
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor()).as("%s: %s", List.of(command), output).isZero();
    }

    @Test
    void entriesAreSortedWithDirectoriesBeforeTheirContents() throws IOException {
        Path ctx = context();
        write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        write(ctx.resolve("b"), "b");
        write(ctx.resolve("a.txt"), "a.txt");
        write(ctx.resolve("a/z"), "z");
        write(ctx.resolve("a/c/d"), "d");
        Files.createDirectories(ctx.resolve("empty"));

        BuildContext context = BuildContext.of(ctx, ctx.resolve("Dockerfile"));
        Map<String, Read> tar = tar(context);

        assertThat(tar.keySet()).containsExactly("Dockerfile", "a/", "a/c/", "a/c/d", "a/z", "a.txt", "b", "empty/");
        assertThat(tar.get("empty/").entry().isDirectory()).isTrue();
        assertThat(tar.get("a/c/d").text()).isEqualTo("d");
        assertThat(tar.get("Dockerfile").text()).isEqualTo("FROM scratch\n");
        assertThat(context.dockerfileName()).isEqualTo("Dockerfile");
        assertThat(context.entriesSent()).isEqualTo(8);
        assertThat(context.bytesSent()).isEqualTo(tarBytes(context).length);
    }

    @Test
    void ownerIsRootAndModificationTimeIsKeptInWholeSeconds() throws IOException {
        Path ctx = context();
        Path file = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Instant mtime = Instant.parse("2021-03-04T05:06:07.890Z");
        Files.setLastModifiedTime(file, FileTime.from(mtime));
        Path dir = Files.createDirectories(ctx.resolve("dir"));
        Files.setLastModifiedTime(dir, FileTime.from(Instant.parse("2020-01-02T03:04:05Z")));

        Map<String, Read> tar = tar(BuildContext.of(ctx, file));

        TarArchiveEntry entry = tar.get("Dockerfile").entry();
        assertThat(entry.getLongUserId()).isZero();
        assertThat(entry.getLongGroupId()).isZero();
        assertThat(entry.getUserName()).isEmpty();
        assertThat(entry.getGroupName()).isEmpty();
        assertThat(entry.getLastModifiedTime().toInstant()).isEqualTo(Instant.parse("2021-03-04T05:06:07Z"));
        assertThat(entry.getSize()).isEqualTo(13);
        assertThat(tar.get("dir/").entry().getLastModifiedTime().toInstant())
                .isEqualTo(Instant.parse("2020-01-02T03:04:05Z"));
    }

    @Test
    void modesKeepSetuidSetgidAndStickyBits() throws Exception {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        write(ctx.resolve("suid"), "x");
        write(ctx.resolve("sgid"), "x");
        write(ctx.resolve("plain"), "x");
        Files.createDirectories(ctx.resolve("sticky"));
        sh("chmod", "4755", ctx.resolve("suid").toString());
        sh("chmod", "2750", ctx.resolve("sgid").toString());
        sh("chmod", "0640", ctx.resolve("plain").toString());
        sh("chmod", "1777", ctx.resolve("sticky").toString());

        Map<String, Read> tar = tar(BuildContext.of(ctx, dockerfile));

        assertThat(tar.get("suid").entry().getMode() & 07777).isEqualTo(04755);
        assertThat(tar.get("sgid").entry().getMode() & 07777).isEqualTo(02750);
        assertThat(tar.get("plain").entry().getMode() & 07777).isEqualTo(0640);
        assertThat(tar.get("sticky/").entry().getMode() & 07777).isEqualTo(01777);
        assertThat(tar.get("sticky/").entry().isDirectory()).isTrue();
    }

    @Test
    void symbolicLinksAreStoredAndNeverFollowed() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        write(ctx.resolve("dir/target.txt"), "target");
        Path outside = write(tmp.resolve("outside/secret.txt"), "secret");
        Files.createSymbolicLink(ctx.resolve("inside-link"), Path.of("dir/target.txt"));
        Files.createSymbolicLink(ctx.resolve("outside-link"), outside);
        Files.createSymbolicLink(ctx.resolve("outside-dir-link"), outside.getParent());
        Files.createSymbolicLink(ctx.resolve("dangling"), Path.of("does/not/exist"));

        Map<String, Read> tar = tar(BuildContext.of(ctx, dockerfile));

        assertThat(tar.get("inside-link").entry().isSymbolicLink()).isTrue();
        assertThat(tar.get("inside-link").entry().getLinkName()).isEqualTo("dir/target.txt");
        assertThat(tar.get("outside-link").entry().isSymbolicLink()).isTrue();
        assertThat(tar.get("outside-link").entry().getLinkName()).isEqualTo(outside.toString());
        assertThat(tar.get("outside-link").entry().getSize()).isZero();
        assertThat(tar.get("outside-dir-link").entry().isSymbolicLink()).isTrue();
        assertThat(tar.get("dangling").entry().getLinkName()).isEqualTo("does/not/exist");
        assertThat(tar.keySet()).noneMatch(name -> name.startsWith("outside-dir-link/"));
        assertThat(tar.values()).noneMatch(read -> read.text().contains("secret"));
    }

    /**
     * A .dockerignore that is a symbolic link out of the context is refused: before, with the classic builder and a
     * Dockerfile outside the context, the target's bytes were sent as .dockerignore (and COPY . put them in the
     * image). One to a file inside the context gives its patterns, as the docker CLI reads them, and no outside byte.
     */
    @Test
    void aSymlinkedDockerignoreNeverBringsBytesFromOutside() throws IOException {
        Path ctx = context();
        write(ctx.resolve("keep.txt"), "keep");
        write(ctx.resolve("drop.txt"), "drop");
        Path outsideDockerfile = write(tmp.resolve("elsewhere/Dockerfile"), "FROM scratch\nCOPY . /\n");
        Path outside = write(tmp.resolve("outside/secret.txt"), "outside-secret-bytes");
        Files.createSymbolicLink(ctx.resolve(".dockerignore"), outside);
        for (boolean buildKit : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (buildKit) {
                    BuildContext.forBuildKit(ctx, outsideDockerfile);
                } else {
                    BuildContext.of(ctx, outsideDockerfile);
                }
            })
                    .isInstanceOf(ContextException.class)
                    .hasMessage(ctx.toRealPath().resolve(".dockerignore") + " is a symbolic link that leads out of the"
                            + " build context: make it a regular file inside the context.")
                    .message().doesNotContain("outside-secret-bytes");
        }

        Files.delete(ctx.resolve(".dockerignore"));
        write(ctx.resolve("patterns/ignore"), "drop.txt\n");
        Files.createSymbolicLink(ctx.resolve(".dockerignore"), Path.of("patterns/ignore"));
        Map<String, Read> tar = tar(BuildContext.of(ctx, outsideDockerfile));
        assertThat(tar).containsKey("keep.txt").doesNotContainKey("drop.txt");
        assertThat(tar.values()).noneMatch(read -> read.text().contains("outside-secret-bytes"));
        assertThat(tar.get(".dockerignore").text()).startsWith("drop.txt\n");

        Files.delete(ctx.resolve(".dockerignore"));
        Files.createSymbolicLink(ctx.resolve(".dockerignore"), Path.of("no/such/file"));
        assertThat(tar(BuildContext.of(ctx, outsideDockerfile))).as("a dangling link is no .dockerignore")
                .containsKeys("keep.txt", "drop.txt");
    }

    @Test
    void symbolicLinkLoopsDoNotHang() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Files.createSymbolicLink(ctx.resolve("self"), Path.of("."));
        Files.createSymbolicLink(ctx.resolve("up"), Path.of(".."));
        Files.createSymbolicLink(ctx.resolve("ping"), Path.of("pong"));
        Files.createSymbolicLink(ctx.resolve("pong"), Path.of("ping"));
        Files.createDirectories(ctx.resolve("d"));
        Files.createSymbolicLink(ctx.resolve("d/parent"), Path.of(".."));

        Map<String, Read> tar = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> tar(BuildContext.of(ctx, dockerfile)));

        assertThat(tar.keySet()).containsExactly("Dockerfile", "d/", "d/parent", "ping", "pong", "self", "up");
        assertThat(tar.get("self").entry().getLinkName()).isEqualTo(".");
        assertThat(tar.get("ping").entry().getLinkName()).isEqualTo("pong");
    }

    @Test
    void secondPathToAFileIsAHardLinkToTheFirst() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Path original = write(ctx.resolve("a/original"), "shared contents");
        Files.createDirectories(ctx.resolve("b"));
        Files.createLink(ctx.resolve("b/second"), original);
        Files.createLink(ctx.resolve("c"), original);

        Map<String, Read> tar = tar(BuildContext.of(ctx, dockerfile));

        Read first = tar.get("a/original");
        assertThat(first.entry().isFile()).isTrue();
        assertThat(first.text()).isEqualTo("shared contents");
        for (String name : List.of("b/second", "c")) {
            TarArchiveEntry link = tar.get(name).entry();
            assertThat(link.getLinkFlag()).isEqualTo(TarConstants.LF_LINK);
            assertThat(link.isLink()).isTrue();
            assertThat(link.getLinkName()).isEqualTo("a/original");
            assertThat(link.getSize()).isZero();
        }
    }

    @Test
    void longAndUnicodeNamesSurviveThroughPaxHeaders() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        String over100 = "d".repeat(60) + "/" + "f".repeat(60) + ".txt";
        String over255 = "x".repeat(200) + "/" + "y".repeat(200) + "/" + "z".repeat(120);
        String unicode = "données/été-日本語-😀.txt";
        write(ctx.resolve(over100), "100");
        write(ctx.resolve(over255), "255");
        write(ctx.resolve(unicode), "unicode");
        Files.createSymbolicLink(ctx.resolve("link-to-long"), Path.of(over255));

        Map<String, Read> tar = tar(BuildContext.of(ctx, dockerfile));

        assertThat(over255.length()).isGreaterThan(255);
        assertThat(tar.get(over100).text()).isEqualTo("100");
        assertThat(tar.get(over255).text()).isEqualTo("255");
        assertThat(tar.get(unicode).text()).isEqualTo("unicode");
        assertThat(tar).containsKey("données/");
        assertThat(tar.get("link-to-long").entry().getLinkName()).isEqualTo(over255);
    }

    @Test
    void namedPipeIsAHeaderAloneAndSocketIsSkipped() throws Exception {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        sh("mkfifo", ctx.resolve("fifo").toString());
        try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.bind(UnixDomainSocketAddress.of(ctx.resolve("sock")));
            assertThat(ctx.resolve("sock")).exists();

            Map<String, Read> tar = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> tar(BuildContext.of(ctx, dockerfile)));

            // as the docker CLI's tar: the pipe's header (never opened, it would block), no socket
            assertThat(tar.keySet()).containsExactly("Dockerfile", "fifo");
            assertThat(tar.get("fifo").entry().isFIFO()).isTrue();
            assertThat(tar.get("fifo").entry().getSize()).isZero();
        }
    }

    @Test
    void dockerignoreIsApplied() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        write(ctx.resolve(".dockerignore"), "# build output\ntarget\n*.log\n!important.log\n**/*.tmp\nsecrets\n!secrets/public\n");
        write(ctx.resolve("target/app.jar"), "jar");
        write(ctx.resolve("debug.log"), "log");
        write(ctx.resolve("important.log"), "keep");
        write(ctx.resolve("sub/debug.log"), "sub log is not matched by *.log");
        write(ctx.resolve("sub/deep/x.tmp"), "tmp");
        write(ctx.resolve("secrets/key"), "private");
        write(ctx.resolve("secrets/public/cert"), "public");

        BuildContext context = BuildContext.of(ctx, dockerfile);
        Map<String, Read> tar = tar(context);

        assertThat(tar.keySet()).containsExactly(".dockerignore", "Dockerfile", "important.log",
                "secrets/public/", "secrets/public/cert", "sub/", "sub/debug.log", "sub/deep/");
        assertThat(context.dockerIgnore().excludes("target/app.jar")).isTrue();
    }

    @Test
    void dockerfileAndDockerignoreAreSentEvenWhenIgnored() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("build/Dockerfile"), "FROM scratch\n");
        write(ctx.resolve("build/other"), "other");
        write(ctx.resolve(".dockerignore"), "*\n");
        write(ctx.resolve("src/main.c"), "int main;");

        BuildContext context = BuildContext.of(ctx, dockerfile);
        Map<String, Read> tar = tar(context);

        assertThat(context.dockerfileName()).isEqualTo("build/Dockerfile");
        assertThat(tar.keySet()).containsExactly(".dockerignore", "build/Dockerfile");
        assertThat(tar.get("build/Dockerfile").text()).isEqualTo("FROM scratch\n");
        assertThat(tar.get(".dockerignore").text()).isEqualTo("*\n");
    }

    @Test
    void dockerfileOutsideTheContextIsAddedUnderAGeneratedName() throws IOException {
        Path ctx = context();
        write(ctx.resolve("app.txt"), "app");
        write(ctx.resolve(".dockerignore"), "*.log");
        Path dockerfile = write(tmp.resolve("elsewhere/Dockerfile"), "FROM scratch\nCOPY app.txt /\n");

        BuildContext context = BuildContext.of(ctx, dockerfile);
        Map<String, Read> tar = tar(context);

        String name = context.dockerfileName();
        assertThat(name).matches("\\.dockerfile\\.[0-9a-f]{20}");
        assertThat(tar.keySet()).containsExactly(".dockerignore", "app.txt", name);
        assertThat(tar.get(name).text()).isEqualTo("FROM scratch\nCOPY app.txt /\n");
        assertThat(tar.get(name).entry().getMode() & 07777).isEqualTo(0600);
        // like the docker CLI, so that the daemon leaves the Dockerfile out of COPY . and ADD .
        assertThat(tar.get(".dockerignore").text()).isEqualTo("*.log\n" + name + "\n");
        assertThat(BuildContext.of(ctx, dockerfile).dockerfileName()).isNotEqualTo(name);
    }

    @Test
    void dockerfileOutsideTheContextWithoutDockerignoreGetsOne() throws IOException {
        Path ctx = context();
        write(ctx.resolve("app.txt"), "app");
        Path dockerfile = write(tmp.resolve("Dockerfile.release"), "FROM scratch\n");

        BuildContext context = BuildContext.of(ctx, dockerfile);
        Map<String, Read> tar = tar(context);

        String name = context.dockerfileName();
        assertThat(tar.keySet()).containsExactly("app.txt", ".dockerignore", name);
        assertThat(tar.get(".dockerignore").text()).isEqualTo(".dockerignore\n" + name + "\n");
        assertThat(DockerIgnore.parse(tar.get(".dockerignore").text()).excludes(name)).isTrue();
    }

    @Test
    void symlinkedContextDirectoryIsResolved() throws IOException {
        Path real = context();
        Path dockerfile = write(real.resolve("Dockerfile"), "FROM scratch\n");
        write(real.resolve("sub/file"), "f");
        Path link = Files.createSymbolicLink(tmp.resolve("ctx-link"), real);

        BuildContext context = BuildContext.of(link, link.resolve("Dockerfile"));

        assertThat(context.directory()).isEqualTo(real.toRealPath());
        assertThat(context.dockerfileName()).isEqualTo("Dockerfile");
        assertThat(tar(context).keySet()).containsExactly("Dockerfile", "sub/", "sub/file");
        assertThat(BuildContext.of(real, dockerfile).dockerfileName()).isEqualTo("Dockerfile");
    }

    @Test
    void invalidInputsAreRefusedWithClearMessages() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Path missing = tmp.resolve("missing");
        Path file = write(tmp.resolve("a-file"), "x");

        assertThatThrownBy(() -> BuildContext.of(missing, dockerfile))
                .isInstanceOf(ContextException.class)
                .hasMessage("Build context directory " + missing + " does not exist: pass an existing directory as the context.");
        assertThatThrownBy(() -> BuildContext.of(file, dockerfile))
                .isInstanceOf(ContextException.class).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> BuildContext.of(ctx, ctx.resolve("Nope")))
                .isInstanceOf(ContextException.class)
                .hasMessage("Dockerfile " + ctx.resolve("Nope") + " not found: create it or pass its path with --file.");
        assertThatThrownBy(() -> BuildContext.of(ctx, ctx))
                .isInstanceOf(ContextException.class).hasMessageContaining("is not a regular file");
        write(ctx.resolve(".dockerignore"), "ok\n[unclosed\n");
        assertThatThrownBy(() -> BuildContext.of(ctx, dockerfile))
                .isInstanceOf(ContextException.class)
                .hasMessageContaining(".dockerignore").hasMessageContaining("[unclosed");
    }

    @Test
    void streamYieldsTheSameTarAsWriteTo() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        for (int i = 0; i < 50; i++) {
            write(ctx.resolve("dir" + (i % 5) + "/file" + i), ("contents " + i + "\n").repeat(i * 100));
        }
        BuildContext context = BuildContext.of(ctx, dockerfile);

        byte[] streamed;
        try (InputStream in = context.openStream()) {
            streamed = in.readAllBytes();
        }

        assertThat(streamed).isEqualTo(tarBytes(context));
        assertThat(readTar(new ByteArrayInputStream(streamed))).hasSize(56);
    }

    @Test
    void streamIsProducedOnlyAsFastAsItIsRead() throws Exception {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        byte[] chunk = new byte[1024 * 1024];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31);
        }
        try (OutputStream out = Files.newOutputStream(ctx.resolve("big.bin"))) {
            for (int i = 0; i < 48; i++) {
                out.write(chunk);
            }
        }
        BuildContext context = BuildContext.of(ctx, dockerfile);

        long read = 0;
        long ahead;
        try (InputStream in = context.openStream()) {
            byte[] buffer = new byte[8192];
            while (read < 4 * 1024 * 1024) {
                int n = in.read(buffer);
                assertThat(n).isPositive();
                read += n;
            }
            // the producer runs ahead until the pipe is full, then blocks: wait for that, then measure
            Await.until("the context's producer blocks on the full pipe", Await.LOCAL,
                    () -> producerBlocked(in));
            ahead = context.bytesSent() - read;
            read += in.transferTo(OutputStream.nullOutputStream());
        }

        // the producer never got further than the pipe's capacity ahead of the reader
        assertThat(TarPipe.CAPACITY).isEqualTo(64 * 1024);
        assertThat(ahead).isBetween(0L, (long) TarPipe.CAPACITY);
        assertThat(read).isEqualTo(context.bytesSent()).isGreaterThan(48L * 1024 * 1024);
    }

    @Test
    void streamedBigFileHasTheRightBytes() throws IOException {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        byte[] data = new byte[5 * 1024 * 1024 + 123];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i ^ (i >>> 8));
        }
        Files.write(ctx.resolve("data.bin"), data);

        Map<String, Read> tar;
        try (InputStream in = BuildContext.of(ctx, dockerfile).openStream()) {
            tar = readTar(in);
        }

        assertThat(tar.keySet()).containsExactly("Dockerfile", "data.bin");
        assertThat(tar.get("data.bin").contents()).isEqualTo(data);
    }

    @Test
    void closingTheStreamEarlyEndsTheProducerThread() throws Exception {
        Path ctx = context();
        Path dockerfile = write(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Files.write(ctx.resolve("big.bin"), new byte[16 * 1024 * 1024]);
        BuildContext context = BuildContext.of(ctx, dockerfile);

        TarPipe stream = (TarPipe) context.openStream();
        Thread producer = stream.producerThread();
        assertThat(producer.getName()).startsWith("build-context-tar-");
        assertThat(producer.isDaemon()).isTrue();
        assertThat(stream.read(new byte[1000])).isPositive();
        assertThat(producer.isAlive()).isTrue(); // blocked on the full pipe

        assertTimeoutPreemptively(Duration.ofSeconds(5), stream::close);

        producer.join(5_000);
        assertThat(producer.isAlive()).isFalse();
        assertThat(context.bytesSent()).isLessThan(16L * 1024 * 1024);
        assertThatThrownBy(() -> stream.read()).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    /** The stream's producer waits for the reader (the pipe is full), as opposed to running or reading a file. */
    private static boolean producerBlocked(InputStream stream) {
        return ((TarPipe) stream).producerThread().getState() == Thread.State.WAITING;
    }
}
