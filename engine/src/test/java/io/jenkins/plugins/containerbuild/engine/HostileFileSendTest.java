package io.jenkins.plugins.containerbuild.engine;

import static io.jenkins.plugins.containerbuild.engine.FsutilWire.DATA;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.ERR;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.FIN;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.GO_DIR;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.GO_SETGID;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.GO_SYMLINK;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.REQ;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.STAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise that a local output writes, deletes and chmods nothing outside its directory, whatever the daemon sends
 * (docs/security.md), and that the error says what happened. The real daemon never attacks, so a daemon of the
 * test's own takes the engine's real build with an output through a session ({@link SessionPlayingDaemon}) and plays
 * a hostile BuildKit on the file send service: several exports at once that undo each other's checks (issue 17 item
 * 1), a link left by an earlier export, more content than a file's STAT announced. A directory beside the output
 * holds the files the attack aims at; it is compared, modes and times included, before and after.
 */
@Timeout(120)
class HostileFileSendTest {

    private static final String FILE_SEND = "/moby.filesync.v1.FileSend/DiffCopy";
    private static final Duration REPLY = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    private Path ctx;
    private Path out;
    private Path outside;

    @BeforeEach
    void dirs() throws IOException {
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:local\n");
        out = tmp.resolve("out");
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("x"), "must stay\n");
        Files.createDirectory(outside.resolve("e"));
        Files.setAttribute(outside.resolve("e"), "unix:mode", 0755);
        Files.writeString(outside.resolve("e/y"), "must stay too\n");
    }

    /**
     * Export 1 makes {@code d} and writes {@code d/x}; export 2, running at the same time, confirms {@code d} and
     * writes {@code d/x} too; export 1 fails and its roll-back removes {@code d}; export 3 makes {@code d} a link to
     * the outside directory; export 2 fails: a roll-back by path would delete {@code outside/x} through the link.
     */
    @Test
    void concurrentExportsCannotMakeARollBackDeleteOutside() throws Exception {
        Map<String, String> before = snapshot(outside);
        boolean[] secondRefused = {false};
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call first = session.open(FILE_SEND, List.of());
            first.send(stat("d", GO_DIR | 0755, 0, ""));
            first.send(stat("d/x", 0644, 3, ""));
            assertThat(type(first.read(REPLY))).as("the first export asks for d/x").isEqualTo(REQ);

            GrpcTestClient.Call second = session.open(FILE_SEND, List.of());
            second.send(stat("d", GO_DIR | 0755, 0, ""));
            second.send(stat("d/x", 0644, 3, ""));
            secondRefused[0] = type(second.read(REPLY)) != REQ;

            first.send(data(1, "one"));
            first.send(data(1, ""));
            await(() -> Files.exists(out.resolve("d/x")), "the first export's d/x");
            if (!secondRefused[0]) {
                second.send(data(1, "two"));
                second.send(data(1, ""));
                await(() -> content(out.resolve("d/x")).equals("two"), "the second export's d/x");
            }
            failAndEnd(first);

            GrpcTestClient.Call third = session.open(FILE_SEND, List.of());
            third.send(stat("d", GO_SYMLINK | 0777, 0, outside.toString()));
            await(() -> Files.isSymbolicLink(out.resolve("d")) || third.wasReset() || ended(third),
                    "the third export's link d");
            failAndEnd(second);
            failAndEnd(third);
        });
        assertThat(message).as("what the build says").contains("second export")
                .contains("nothing was written outside");
        assertThat(snapshot(outside)).as("the directory beside the output, modes and times included")
                .isEqualTo(before);
        assertThat(secondRefused[0]).as("an export opened while another runs is refused").isTrue();
        assertThat(out).as("what the exports wrote is removed").doesNotExist();
    }

    /**
     * Export 1 makes {@code d/e}; export 2, at the same time, confirms {@code d} and {@code d/e} (mode 2777); export
     * 1 fails and its roll-back removes both; export 3 makes {@code d} a link to the outside directory; export 2 ends
     * its walk: setting its directories' modes by path would chmod {@code outside/e}.
     */
    @Test
    void concurrentExportsCannotMakeTheFinalChmodActOutside() throws Exception {
        Map<String, String> before = snapshot(outside);
        boolean[] secondRefused = {false};
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call first = session.open(FILE_SEND, List.of());
            first.send(stat("d", GO_DIR | 0755, 0, ""));
            first.send(stat("d/e", GO_DIR | 0755, 0, ""));
            await(() -> Files.isDirectory(out.resolve("d/e")), "the first export's d/e");

            GrpcTestClient.Call second = session.open(FILE_SEND, List.of());
            second.send(stat("d", GO_DIR | 0755, 0, ""));
            second.send(stat("d/e", GO_DIR | GO_SETGID | 0777, 0, ""));
            second.send(stat("m", 0644, 0, "")); // answered with REQ: the two directories were taken
            secondRefused[0] = type(second.read(REPLY)) != REQ;

            failAndEnd(first);
            await(() -> !Files.exists(out.resolve("d"), LinkOption.NOFOLLOW_LINKS), "the roll-back of d");
            GrpcTestClient.Call third = session.open(FILE_SEND, List.of());
            third.send(stat("d", GO_SYMLINK | 0777, 0, outside.toString()));
            await(() -> Files.isSymbolicLink(out.resolve("d")) || ended(third), "the third export's link d");

            if (!secondRefused[0]) {
                second.send(stat(null, 0, 0, ""));
                second.send(data(2, "")); // m is complete: the writer finishes, setting the directories' modes
                second.read(REPLY); // FIN, or ERR for d, which is a link now
            }
            failAndEnd(second);
            failAndEnd(third);
        });
        assertThat(snapshot(outside)).as("the directory beside the output, modes and times included")
                .isEqualTo(before);
        assertThat(message).contains("second export").contains("nothing was written outside");
        assertThat(out).as("what the exports wrote is removed").doesNotExist();
    }

    /** One export after the other: the link an earlier export left is never a directory of a later one. */
    @Test
    void aLaterExportCannotWriteThroughALinkAnEarlierOneLeft() throws Exception {
        Map<String, String> before = snapshot(outside);
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call first = session.open(FILE_SEND, List.of());
            first.send(stat("d", GO_SYMLINK | 0777, 0, outside.toString()));
            first.send(stat(null, 0, 0, ""));
            assertThat(type(first.read(REPLY))).as("FIN for the first export").isEqualTo(FIN);
            first.send(new ProtoWriter().varint(1, FIN).toByteArray());
            first.halfClose();
            readToEnd(first);

            GrpcTestClient.Call second = session.open(FILE_SEND, List.of());
            second.send(stat("d/e", GO_DIR | GO_SETGID | 0777, 0, ""));
            second.send(stat("d/x", 0644, 5, ""));
            assertThat(type(second.read(REPLY))).as("the second export's answer").isEqualTo(ERR);
            readToEnd(second);
        });
        assertThat(snapshot(outside)).isEqualTo(before);
        assertThat(message).contains("d/e").contains("does not lie in a directory of the export");
    }

    /** More content than the STAT announced is a protocol violation: the export fails, nothing of it stays. */
    @Test
    void moreContentThanAnnouncedFailsTheExport() throws Exception {
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call call = session.open(FILE_SEND, List.of());
            call.send(stat("f", 0644, 3, ""));
            call.send(stat(null, 0, 0, ""));
            assertThat(type(call.read(REPLY))).isEqualTo(REQ);
            call.send(data(0, "abc"));
            call.send(data(0, "and more than announced"));
            call.send(data(0, ""));
            byte[] answer = call.read(REPLY);
            if (type(answer) == FIN) { // accepted: end the transfer as BuildKit would
                call.send(new ProtoWriter().varint(1, FIN).toByteArray());
            }
            call.halfClose();
            readToEnd(call);
        });
        assertThat(message).contains("more than the 3 bytes").contains("\"f\"");
        assertThat(out).as("what the export wrote is removed").doesNotExist();
    }

    /**
     * A name the daemon chose reaches the user's log only escaped: a line break in it would print a line that reads
     * like the engine's own ({@code ==> Pushed ...}). The name is too long for the file system, so the failure that
     * quotes it is the write's, not the path check's.
     */
    @Test
    void aNameThatCannotBeWrittenForgesNoLineInTheError() throws Exception {
        String forged = "==> Pushed example-app@sha256:" + "0".repeat(64);
        String name = "x\n" + forged + "a".repeat(250);
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call call = session.open(FILE_SEND, List.of());
            call.send(stat(name, GO_DIR | 0755, 0, ""));
            call.send(stat(null, 0, 0, ""));
            call.read(REPLY); // ERR
            call.halfClose();
            readToEnd(call);
        });
        assertThat(message).as("the error as the CLI and the plugin print it").contains("x\\n" + forged)
                .doesNotContain("\n" + forged).doesNotContain("\r");
        assertThat(message.lines()).noneMatch(l -> l.startsWith("==>"));
    }

    /** The same for a name that meets an existing directory, whose message names the entry and the destination. */
    @Test
    void aNameThatWouldReplaceADirectoryForgesNoLineInTheError() throws Exception {
        String forged = "==> Pushed example-app@sha256:" + "0".repeat(64);
        String name = "y\u2028\n" + forged;
        Files.createDirectories(out.resolve(name));
        String message = failedBuild((session, methods) -> {
            GrpcTestClient.Call call = session.open(FILE_SEND, List.of());
            call.send(stat(name, 0644, 1, ""));
            call.send(stat(null, 0, 0, ""));
            call.read(REPLY); // ERR
            call.halfClose();
            readToEnd(call);
        });
        assertThat(message).as("the error as the CLI and the plugin print it").contains("would replace the directory")
                .contains("\\n" + forged).doesNotContain("\n" + forged).doesNotContain("\u2028");
        assertThat(message.lines()).noneMatch(l -> l.startsWith("==>"));
    }

    /** Runs the engine's build with a local output against the test's daemon; returns the message it failed with. */
    private String failedBuild(SessionPlayingDaemon.Script script) throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        try (SessionPlayingDaemon daemon = new SessionPlayingDaemon(socket, script);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildRequest request = BuildRequest.builder(ctx).output(new BuildOutput.Local(out)).build();
            Throwable[] thrown = {null};
            assertThatThrownBy(() -> new BuildImageStep(connection, request, new RecordingSink()).call())
                    .as("the build with a hostile export").isInstanceOf(ContainerEngineException.class)
                    .satisfies(e -> thrown[0] = e);
            if (daemon.scriptFailure() != null) {
                throw new AssertionError("the daemon's side of the session failed", daemon.scriptFailure());
            }
            return thrown[0].getMessage();
        }
    }

    /** Sends ERR as BuildKit does when its side of an export fails, and waits for the call's end. */
    private static void failAndEnd(GrpcTestClient.Call call) throws Exception {
        if (!ended(call)) {
            try {
                call.send(new ProtoWriter().varint(1, ERR).bytes(4, "the daemon's export failed".getBytes(
                        StandardCharsets.UTF_8)).toByteArray());
                call.halfClose();
            } catch (IOException e) {
                // the engine ended it already
            }
        }
        readToEnd(call);
    }

    private static void readToEnd(GrpcTestClient.Call call) throws Exception {
        for (int i = 0; i < 1000 && call.read(REPLY) != null; i++) {
            // skip what is left
        }
    }

    /** True once the engine ended the call (its status came); never blocks. */
    private static boolean ended(GrpcTestClient.Call call) {
        return call.status() >= 0 || call.wasReset();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10); // polling the engine's writes, which send no reply
        }
    }

    private static String content(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** Every entry under {@code dir}, not following links: its type, mode, size, time and content. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                all.put(dir.relativize(p).toString(), Integer.toOctalString((int) Files.getAttribute(p, "unix:mode",
                        LinkOption.NOFOLLOW_LINKS)) + " " + a.size() + " " + a.lastModifiedTime()
                        + (a.isRegularFile() ? " " + Files.readString(p) : ""));
            }
        }
        return all;
    }

    private static int type(byte[] packet) throws IOException {
        if (packet == null) {
            return -1;
        }
        ProtoReader r = new ProtoReader(packet);
        while (r.hasRemaining()) {
            int tag = r.readTag();
            if (ProtoReader.fieldNumber(tag) == 1) {
                return (int) r.readVarint();
            }
            r.skipField(tag);
        }
        return STAT;
    }

    /** A STAT packet; a null path is the end of the walk. */
    private static byte[] stat(String path, long mode, long size, String linkname) {
        ProtoWriter p = new ProtoWriter().varint(1, STAT);
        if (path != null) {
            p.message(2, new ProtoWriter().string(1, path).varint(2, mode & 0xffffffffL).varint(5, size)
                    .varint(6, 1_700_000_000_000_000_000L).string(7, linkname));
        }
        return p.toByteArray();
    }

    private static byte[] data(int id, String text) {
        ProtoWriter p = new ProtoWriter().varint(1, DATA).varint(3, id);
        if (!text.isEmpty()) {
            p.bytes(4, text.getBytes(StandardCharsets.UTF_8));
        }
        return p.toByteArray();
    }
}
