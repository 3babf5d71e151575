package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * BuildKit's local and tar exporters through the session's file send, against each lab daemon (Docker 20.10 with
 * BuildKit 0.8, 26.1 with BuildKit 0.13 and either image store): files with their modes, links kept as links (one pointing at /etc/passwd, through which nothing is
 * written), an empty directory, hard links, a 50 MiB file; the tar entry by entry; an abort in the middle of an export
 * leaves nothing behind.
 */
class BuildOutputTest {

    private static final long BIG = 50L * 1024 * 1024;
    private static final String EVERY_STORE = "io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore";

    /** A multi-stage build whose last stage, FROM scratch, holds only what is exported. */
    private static String dockerfile(Lab.Daemon daemon) {
        return "FROM " + daemon.baseImage() + " AS build\n"
                + "RUN mkdir -p /out/dir/sub /out/empty && echo hello > /out/dir/a.txt && chmod 0640 /out/dir/a.txt"
                + " && echo tool > /out/tool && chmod 4755 /out/tool && chmod 0750 /out/dir/sub"
                + " && ln -s /etc/passwd /out/passwd-link && ln -s dir/a.txt /out/rel-link"
                + " && ln /out/dir/a.txt /out/dir/hard.txt"
                + " && dd if=/dev/urandom of=/out/big bs=1048576 count=50 2>/dev/null"
                + " && sha256sum /out/big | cut -d' ' -f1 > /out/big.sha256\n"
                + "FROM scratch\n"
                + "COPY --from=build /out/ /\n";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void aLocalOutputKeepsModesLinksAndContent(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work)
            throws Exception {
        LabSupport.context(ctx, dockerfile(daemon));
        Path dest = work.resolve("dist");
        Path outside = Files.createDirectory(work.resolve("outside"));
        Files.createDirectories(dest);
        Files.writeString(dest.resolve("keep.txt"), "from before");
        Files.createSymbolicLink(dest.resolve("dir"), outside); // an old link where the output has a directory
        String passwdBefore = sha256(Path.of("/etc/passwd"));
        Object passwdMode = Files.getAttribute(Path.of("/etc/passwd"), "unix:mode");

        RecordingSink events = new RecordingSink();
        BuildResult result;
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            result = engine.build(BuildRequest.builder(ctx).networkMode("none")
                    .output(new BuildOutput.Local(dest)).build());
        }

        assertThat(result.imageId()).as("an export makes no image").isNull();
        assertThat(result.output()).isEqualTo(new BuildOutput.Local(dest));
        assertThat(result.tags()).isEmpty();

        assertThat(dest.resolve("dir/a.txt")).hasContent("hello");
        assertThat(mode(dest.resolve("dir/a.txt"))).isEqualTo(0640);
        assertThat(mode(dest.resolve("tool"))).as("BuildKit keeps the setuid bit, and so does the export")
                .isEqualTo(04755);
        assertThat(dest.resolve("dir/sub")).isDirectory();
        assertThat(mode(dest.resolve("dir/sub"))).isEqualTo(0750);
        assertThat(dest.resolve("empty")).isEmptyDirectory();
        assertThat(Files.isSymbolicLink(dest.resolve("passwd-link"))).isTrue();
        assertThat(Files.readSymbolicLink(dest.resolve("passwd-link"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(Files.readSymbolicLink(dest.resolve("rel-link"))).isEqualTo(Path.of("dir/a.txt"));
        assertThat(sha256(Path.of("/etc/passwd"))).as("nothing was written through the link").isEqualTo(passwdBefore);
        assertThat(Files.getAttribute(Path.of("/etc/passwd"), "unix:mode")).isEqualTo(passwdMode);
        assertThat(Files.isSameFile(dest.resolve("dir/hard.txt"), dest.resolve("dir/a.txt")))
                .as("a hard link arrives as a hard link").isTrue();
        assertThat(Files.size(dest.resolve("big"))).isEqualTo(BIG);
        assertThat(sha256(dest.resolve("big"))).isEqualTo(Files.readString(dest.resolve("big.sha256")).strip());

        assertThat(dest.resolve("keep.txt")).as("an existing file stays").hasContent("from before");
        assertThat(Files.isSymbolicLink(dest.resolve("dir"))).as("the old link was replaced, not followed").isFalse();
        assertThat(outside).as("nothing was written where the old link pointed").isEmptyDirectory();
        assertThat(temporaries(dest)).isEmpty();
        assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p && p.message().startsWith("Exported to"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void aTarOutputHoldsTheSameEntries(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work) throws Exception {
        LabSupport.context(ctx, dockerfile(daemon));
        Path dest = work.resolve("dist");
        Path tar = work.resolve("out/result.tar");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            engine.build(BuildRequest.builder(ctx).networkMode("none").output(new BuildOutput.Local(dest)).build());
            BuildResult r = engine.build(BuildRequest.builder(ctx).networkMode("none")
                    .output(new BuildOutput.Tar(tar)).build());
            assertThat(r.imageId()).isNull();
            assertThat(r.output()).isEqualTo(new BuildOutput.Tar(tar));
        }
        assertThat(temporaries(tar.getParent())).isEmpty();

        Map<String, String> fromTar = new TreeMap<>();
        Map<String, String> hardLinks = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextTarEntry()) != null; ) {
                String name = e.getName().replaceAll("/$", "");
                if (e.isLink()) {
                    hardLinks.put(name, e.getLinkName());
                    continue;
                }
                String kind = e.isDirectory() ? "dir" : e.isSymbolicLink() ? "link " + e.getLinkName()
                        : "file " + e.getSize() + " " + sha256(in);
                fromTar.put(name, kind + " " + Integer.toOctalString(e.getMode() & 07777));
            }
        }
        Map<String, String> fromDir = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dest)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(dest) || p.equals(dest.resolve("dir/hard.txt"))) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String kind = a.isDirectory() ? "dir" : a.isSymbolicLink() ? "link " + Files.readSymbolicLink(p)
                        : "file " + a.size() + " " + sha256(p);
                // a link's own mode is not kept on Linux (always 0777): compare it as the tar says
                String m = a.isSymbolicLink() ? "777" : Integer.toOctalString(mode(p));
                fromDir.put(dest.relativize(p).toString(), kind + " " + m);
            }
        }
        assertThat(fromTar).isEqualTo(fromDir);
        assertThat(hardLinks).containsExactly(Map.entry("dir/hard.txt", "dir/a.txt"));
    }

    /**
     * Tags with an output: the daemon exports to one place per build, so the engine builds the image, then exports
     * the same build from its cache. The image is tagged, the files are its files, and no step runs twice.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void tagsWithAnOutputMakeTheImageAndExportItsFiles(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work)
            throws Exception {
        String marker = LabSupport.unique("run");
        LabSupport.context(ctx, "FROM " + daemon.baseImage() + "\n"
                + "RUN mkdir -p /out && echo " + marker + " > /out/marker && cat /proc/uptime > /out/when\n");
        Path dest = work.resolve("dist");
        String tag = "localhost/" + LabSupport.unique("cb-tag-and-output") + ":1";
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            BuildResult r = engine.build(BuildRequest.builder(ctx).tag(tag).networkMode("none")
                    .output(new BuildOutput.Local(dest)).build());

            assertThat(r.imageId()).startsWith("sha256:");
            assertThat(r.tags()).containsExactly(tag);
            assertThat(r.output()).isEqualTo(new BuildOutput.Local(dest));
            assertThat(r.layers()).isNotEmpty();
            assertThat(dest.resolve("out/marker")).hasContent(marker);
            // the export's RUN came from the image build's cache: the time it wrote is the image's
            String inImage = daemon.docker("run", "--rm", "--network=none", tag, "cat", "/out/when").strip();
            assertThat(dest.resolve("out/when")).hasContent(inImage);
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.StepCompleted c && c.cached()
                    && c.step().contains("RUN mkdir"));
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }

    /**
     * A request that fails after its output directory was made but before the session opened (here an SSH agent
     * whose socket is gone) leaves no directory behind, as a failed build after the session does.
     */
    @Test
    void aFailureBeforeTheSessionLeavesNoOutputDirectory(@TempDir Path ctx, @TempDir Path work) throws Exception {
        Lab.Daemon daemon = Lab.get().engine20();
        LabSupport.context(ctx, "FROM " + daemon.baseImage() + "\nRUN true\n");
        Path made = work.resolve("new");
        Path dest = made.resolve("dist");
        Path gone = work.resolve("no-agent.sock");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(BuildRequest.builder(ctx).networkMode("none")
                    .sshAgent("default", gone).output(new BuildOutput.Local(dest)).build()))
                    .isInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("cannot be reached at " + gone);
        }
        assertThat(made).as("the directories made for the output are removed again").doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void anAbortMidExportLeavesNothing(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work) throws Exception {
        abortMidExport(daemon, ctx, work, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void anAbortMidTarExportLeavesNothing(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work) throws Exception {
        abortMidExport(daemon, ctx, work, true);
    }

    private void abortMidExport(Lab.Daemon daemon, Path ctx, Path work, boolean tar) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("BuildOutputTest"), daemon);
        LabSupport.context(ctx, dockerfile(daemon));
        Path dest = tar ? work.resolve("out.tar") : work.resolve("dist");
        Path watched = tar ? work : dest;
        BuildOutput output = tar ? new BuildOutput.Tar(dest) : new BuildOutput.Local(dest);
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            engine.build(BuildRequest.builder(ctx).networkMode("none").output(output).build()); // warm the cache
        }
        deleteTree(dest);

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                engine.build(BuildRequest.builder(ctx).networkMode("none").output(output).build());
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "output-abort-worker");
        worker.start();
        // abort once part of the content is on disk, under a temporary name
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean midway = false;
        while (!midway && worker.isAlive() && System.nanoTime() < deadline) {
            midway = temporaries(watched).stream().anyMatch(p -> size(p) > 1024 * 1024);
            if (!midway) {
                Thread.sleep(5);
            }
        }
        assertThat(midway).as("the export was caught half-way").isTrue();
        worker.interrupt();
        worker.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(worker.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);

        assertThat(temporaries(watched)).as("no temporary file stays").isEmpty();
        assertThat(dest).as("nothing of the export stays").doesNotExist();
        check.assertNothingLeft();
    }

    private static java.util.List<Path> temporaries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".cb-export-")).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return java.util.List.of(); // a file went away during the walk: look again
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Names are bytes (issue 20 item 4): a file named {@code clé.pem} in UTF-8, one named {@code caf\xe9.txt} (not
     * UTF-8 at all) and a link to the latter, exported by a build running in a JVM started with {@code LANG=POSIX}
     * (whose file-name encoding is ASCII), arrive on disk with exactly the bytes the image holds.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void underAPosixLocaleOutputNamesKeepTheirBytes(Lab.Daemon daemon, @TempDir Path ctx, @TempDir Path work)
            throws Exception {
        LabSupport.context(ctx, "FROM " + daemon.baseImage() + " AS build\n"
                + "RUN mkdir /out && printf 1 > \"/out/$(printf 'cl\\303\\251.pem')\""
                + " && printf 2 > \"/out/$(printf 'caf\\351.txt')\""
                + " && ln -s \"$(printf 'caf\\351.txt')\" /out/link\n"
                + "FROM scratch\n"
                + "COPY --from=build /out/ /\n");
        Path dest = work.resolve("dist");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                PosixLocaleExport.class.getName(), daemon.socket().toString(), ctx.toString(), dest.toString());
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().put("LANG", "POSIX");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the child JVM's build ended").isTrue();
        assertThat(out).contains("jnu=ANSI_X3.4-1968");
        assertThat(p.exitValue()).as(out).isZero();

        byte[] utf8 = {'c', 'l', (byte) 0xc3, (byte) 0xa9, '.', 'p', 'e', 'm'};
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9, '.', 't', 'x', 't'};
        Map<String, Path> names = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dest)) {
            for (Path e : entries) {
                names.put(HexFormat.of().formatHex(FileNames.bytes(e)), e);
            }
        }
        assertThat(names.keySet()).as("the names on disk, as hex bytes").containsExactlyInAnyOrder(
                HexFormat.of().formatHex(utf8), HexFormat.of().formatHex(latin1), HexFormat.of().formatHex(
                        "link".getBytes(StandardCharsets.US_ASCII)));
        assertThat(names.get(HexFormat.of().formatHex(utf8))).hasContent("1");
        assertThat(names.get(HexFormat.of().formatHex(latin1))).hasContent("2");
        assertThat(FileNames.bytes(Files.readSymbolicLink(dest.resolve("link")))).as("the link's target's bytes")
                .isEqualTo(latin1);
    }

    /** Run by {@link #underAPosixLocaleOutputNamesKeepTheirBytes} in a JVM with {@code LANG=POSIX}. */
    static final class PosixLocaleExport {
        public static void main(String[] args) throws Exception {
            System.out.println("jnu=" + System.getProperty("sun.jnu.encoding"));
            try (ContainerEngine engine = ContainerEngine.connect(
                    new io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.UnixSocket(Path.of(args[0])),
                    new RecordingSink())) {
                engine.build(BuildRequest.builder(Path.of(args[1])).networkMode("none")
                        .output(new BuildOutput.Local(Path.of(args[2]))).build());
            }
            System.out.println("exported");
        }
    }

    private static int mode(Path p) throws IOException {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String sha256(Path p) throws Exception {
        try (InputStream in = Files.newInputStream(p)) {
            return sha256(in);
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
