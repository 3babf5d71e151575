package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file send service driven with crafted packets, as a malicious or broken daemon could send them, over a real
 * {@link Http2Stream} whose connection writes its frames to memory: every path that would leave the output directory
 * is refused, nothing is written outside it, the daemon is told (ERR and a failed status), and what the export had
 * written is removed. The real daemon never sends such paths, so only this can show the refusal.
 */
class FileSendServiceTest {

    private static final int GO_DIR = 1 << 31;
    private static final int GO_SYMLINK = 1 << 27;

    @TempDir
    Path work;
    private Path dest;
    private Path outside;

    @BeforeEach
    void dirs() throws IOException {
        dest = work.resolve("dist");
        outside = Files.createDirectory(work.resolve("outside"));
    }

    @Test
    void aDotDotPathIsRefused() throws Exception {
        Call call = refusedExport(stat("a", GO_DIR | 0755, ""), file("a/../../outside/pwned"));
        assertThat(call.failureMessage).contains("a/../../outside/pwned").contains("'..' component");
    }

    @Test
    void anAbsolutePathIsRefused() throws Exception {
        Call call = refusedExport(file(outside.resolve("pwned").toString()));
        assertThat(call.failureMessage).contains("is not a relative path");
    }

    @Test
    void aPathThroughALinkTheBuildMadeIsRefused() throws Exception {
        Call call = refusedExport(stat("x", GO_SYMLINK | 0777, outside.toString()), file("x/pwned"));
        assertThat(call.failureMessage).contains("x/pwned").contains("does not lie in a directory of the export");
    }

    @Test
    void aDirectorySentAgainAsALinkIsRefused() throws Exception {
        Call call = refusedExport(stat("d", GO_DIR | 0755, ""), stat("d", GO_SYMLINK | 0777, outside.toString()),
                file("d/pwned"));
        assertThat(call.failureMessage).contains("\"d\"").contains("sent twice");
    }

    @Test
    void aPathThroughALinkAlreadyInTheDestinationIsRefused() throws Exception {
        Files.createDirectories(dest);
        Files.createSymbolicLink(dest.resolve("old"), outside); // not sent by the export: never a directory of it
        Call call = refusedExport(file("old/pwned"));
        assertThat(call.failureMessage).contains("old/pwned");
        assertThat(Files.isSymbolicLink(dest.resolve("old"))).as("what was there before stays").isTrue();
    }

    @Test
    void aHardLinkOutsideTheExportIsRefused() throws Exception {
        Files.createDirectories(dest);
        Files.writeString(dest.resolve("before.txt"), "not part of the export");
        Call call = refusedExport(stat("h", 0644, "before.txt"));
        assertThat(call.failureMessage).contains("hard link to before.txt");
        Call dotdot = refusedExport(stat("h2", 0644, "../outside/secret"));
        assertThat(dotdot.failureMessage).contains("../outside/secret");
    }

    @Test
    void contentForAFileNotAskedForIsRefused() throws Exception {
        Call call = refusedExport(stat("d", GO_DIR | 0755, ""), FsPacket.data(0, "x".getBytes(), 0, 1));
        assertThat(call.failureMessage).contains("not requested");
    }

    @Test
    void aWellFormedExportIsWrittenAndKeptOnCommit() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        Call call = new Call(stat("d", GO_DIR | 0750, ""), stat("d/f", 0640, "", hi.length), // ids 0 and 1
                stat("l", GO_SYMLINK | 0777, "/etc/passwd"), FsPacket.stat(null),
                FsPacket.data(1, hi, 0, hi.length), FsPacket.data(1, hi, 0, 0), FsPacket.fin());
        service.serve(call.stream);
        call.read();
        assertThat(call.replies).extracting(FsPacket.Received::type, FsPacket.Received::id)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(FsPacket.REQ, 1),
                        org.assertj.core.groups.Tuple.tuple(FsPacket.FIN, 0));
        assertThat(call.grpcStatus).isEqualTo("0");
        service.commit();
        service.close();
        assertThat(dest.resolve("d/f")).hasContent("hi");
        assertThat(Files.getAttribute(dest.resolve("d/f"), "unix:mode")).isEqualTo(0100640);
        assertThat(Files.readSymbolicLink(dest.resolve("l"))).isEqualTo(Path.of("/etc/passwd"));
        assertThat(leftovers(dest)).isEmpty();
    }

    /** A file that ends before the size its STAT announced is a protocol violation, as one that goes beyond it. */
    @Test
    void lessContentThanAnnouncedFailsTheExport() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
        Call call = new Call(stat("f", 0644, "", 10), FsPacket.stat(null), FsPacket.data(0, abc, 0, abc.length),
                FsPacket.data(0, abc, 0, 0), FsPacket.fin());
        service.serve(call.stream);
        call.read();
        assertThat(service.failure()).as("the build's explanation").isNotNull();
        assertThat(service.failure().getMessage()).contains("3 of the 10 bytes").contains("\"f\"");
        assertThat(call.replies).as("the daemon is told").anyMatch(p -> p.type() == FsPacket.ERR);
        assertThat(call.grpcStatus).as("the call fails").isNotEqualTo("0");
        assertThat(dest.resolve("f")).as("the short file is not put in place").doesNotExist();
        service.close();
        assertThat(dest).as("what the export wrote is removed").doesNotExist();
    }

    /**
     * Exports one after the other, then a failed build: the later export's files lie in the earlier one's directory,
     * so the roll-back undoes the later export first, and nothing of either stays.
     */
    @Test
    void aRollBackOfSequentialExportsRemovesEverythingTheyMade() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        Call first = new Call(stat("d", GO_DIR | 0755, ""), FsPacket.stat(null), FsPacket.fin());
        service.serve(first.stream);
        first.read();
        assertThat(first.grpcStatus).as("the first export ends well").isEqualTo("0");
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        Call second = new Call(stat("d", GO_DIR | 0755, ""), stat("d/f", 0644, "", hi.length), FsPacket.stat(null),
                FsPacket.data(1, hi, 0, hi.length), FsPacket.data(1, hi, 0, 0), FsPacket.fin());
        service.serve(second.stream);
        second.read();
        assertThat(second.grpcStatus).as("the second export ends well").isEqualTo("0");
        assertThat(dest.resolve("d/f")).hasContent("hi");

        service.close(); // the build failed: nothing is committed
        assertThat(dest).as("the output directory the exports made, and all they wrote in it, is removed")
                .doesNotExist();
    }

    /**
     * A roll-back reaches what the export made through directory handles that follow no link, and removes it only
     * while it is still the same inode: a directory swapped for a link to elsewhere after the export is left alone,
     * and nothing behind the link is deleted.
     */
    @Test
    void aRollBackNeverDeletesThroughALinkThatReplacedADirectory() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        Call call = new Call(stat("d", GO_DIR | 0755, ""), stat("d/x", 0644, "", hi.length), FsPacket.stat(null),
                FsPacket.data(1, hi, 0, hi.length), FsPacket.data(1, hi, 0, 0), FsPacket.fin());
        service.serve(call.stream);
        call.read();
        assertThat(call.grpcStatus).isEqualTo("0");
        Files.writeString(outside.resolve("x"), "not the export's");
        Files.move(dest.resolve("d"), work.resolve("moved-away"));
        Files.createSymbolicLink(dest.resolve("d"), outside);
        service.close(); // the build failed: the roll-back runs over a tree that changed under it
        assertThat(outside.resolve("x")).as("the file behind the link").hasContent("not the export's");
        assertThat(Files.isSymbolicLink(dest.resolve("d"))).as("what replaced the directory stays").isTrue();
    }

    /** A directory's mode is set through its handle, which takes only permission bits: the sticky bit still arrives. */
    @Test
    void aStickyDirectoryKeepsItsBit() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        Call call = new Call(stat("tmp", GO_DIR | (1 << 20) | 0777, ""), FsPacket.stat(null), FsPacket.fin());
        service.serve(call.stream);
        call.read();
        assertThat(call.grpcStatus).isEqualTo("0");
        service.commit();
        service.close();
        assertThat(Files.getAttribute(dest.resolve("tmp"), "unix:mode")).isEqualTo(041777);
    }

    @Test
    void aPipeIsSkippedAndNamed() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        Call call = new Call(stat("p", (1 << 25) | 0644, ""), FsPacket.stat(null), FsPacket.fin()); // os.ModeNamedPipe
        service.serve(call.stream);
        call.read();
        assertThat(call.grpcStatus).isEqualTo("0");
        service.commit();
        assertThat(service.skipped()).containsExactly("p");
        assertThat(Files.exists(dest.resolve("p"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        service.close();
    }

    @Test
    void anExportWithoutCommitIsRemovedWhenTheSessionCloses() throws Exception {
        FileSendService service = FileSendService.intoDirectory(dest);
        Call call = new Call(stat("d", GO_DIR | 0755, ""), stat("d/f", 0644, ""), FsPacket.stat(null),
                FsPacket.data(1, new byte[0], 0, 0), FsPacket.fin());
        service.serve(call.stream);
        call.read();
        assertThat(call.grpcStatus).isEqualTo("0");
        assertThat(dest.resolve("d/f")).exists();
        service.close(); // the build failed or was aborted
        assertThat(dest).as("the directory made for the output goes too").doesNotExist();
    }

    @Test
    void aTarIsMovedIntoPlaceOnlyOnCommit() throws Exception {
        Path tar = work.resolve("out/result.tar");
        FileSendService service = FileSendService.intoTarFile(tar);
        Call call = new Call(bytesMessage("first "), bytesMessage("second"));
        service.serve(call.stream);
        call.read();
        assertThat(call.grpcStatus).isEqualTo("0");
        assertThat(tar).doesNotExist();
        service.commit();
        service.close();
        assertThat(tar).hasContent("first second");
        assertThat(leftovers(tar.getParent())).isEmpty();

        FileSendService failed = FileSendService.intoTarFile(work.resolve("failed.tar"));
        Call second = new Call(bytesMessage("partial"));
        failed.serve(second.stream);
        failed.close(); // no commit: the build failed after the daemon ended its side
        assertThat(work.resolve("failed.tar")).doesNotExist();
        assertThat(leftovers(work)).isEmpty();
    }

    /**
     * Runs an export of crafted packets that must be refused, the last of them the malicious entry, followed by
     * what a sender would send next for it (the end of the walk, its content, FIN); checks what a refusal promises.
     */
    private Call refusedExport(byte[]... packets) throws Exception {
        List<Path> before = listing(work);
        FileSendService service = FileSendService.intoDirectory(dest);
        int lastId = packets.length - 1;
        byte[] pwned = "pwned".getBytes(StandardCharsets.UTF_8);
        List<byte[]> all = new ArrayList<>(List.of(packets));
        all.addAll(List.of(FsPacket.stat(null), FsPacket.data(lastId, pwned, 0, pwned.length),
                FsPacket.data(lastId, pwned, 0, 0), FsPacket.fin()));
        Call call = new Call(all.toArray(byte[][]::new));
        service.serve(call.stream);
        call.read();
        assertThat(outside).as("nothing was written outside the output directory").isEmptyDirectory();
        assertThat(Files.exists(work.resolve("pwned"))).isFalse();
        assertThat(service.failure()).as("the refusal is kept as the build's explanation").isNotNull();
        call.failureMessage = service.failure().getMessage();
        assertThat(call.replies).as("the daemon is told").anyMatch(p -> p.type() == FsPacket.ERR);
        assertThat(call.grpcStatus).as("the call fails").isNotEqualTo("0");
        assertThatThrownBy(service::commit).isSameAs(service.failure());
        service.close();
        assertThat(listing(work)).as("what the export wrote is removed").containsExactlyInAnyOrderElementsOf(before);
        return call;
    }

    private static byte[] file(String path) {
        return stat(path, 0644, "");
    }

    private static byte[] stat(String path, int goMode, String linkname) {
        return stat(path, goMode, linkname, 0);
    }

    private static byte[] stat(String path, int goMode, String linkname, long size) {
        return new ProtoWriter().message(2, new ProtoWriter().string(1, path).varint(2, goMode & 0xffffffffL)
                .varint(5, size).varint(6, 1_700_000_000_000_000_000L).string(7, linkname)).toByteArray();
    }

    private static byte[] bytesMessage(String text) {
        return new ProtoWriter().bytes(1, text.getBytes(StandardCharsets.UTF_8)).toByteArray();
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return new ArrayList<>(walk.toList());
        }
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".cb-export-")).toList();
        }
    }

    /**
     * One DiffCopy call as the daemon would make it: the packets are queued on a real stream before the service
     * reads them, and what the service answers is read back from the frames its connection wrote.
     */
    private static final class Call {
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        final Http2Stream stream;
        final List<FsPacket.Received> replies = new ArrayList<>();
        String grpcStatus;
        String failureMessage;

        Call(byte[]... packets) {
            Http2Server connection = new Http2Server(InputStream.nullInputStream(), wire, s -> { });
            stream = new Http2Stream(connection, 1, List.of(new Hpack.Header(":path", FileSendService.DIFF_COPY)));
            stream.sendWindow = 1 << 20;
            for (byte[] p : packets) {
                byte[] framed = new byte[5 + p.length];
                Http2Server.put32(framed, 1, p.length);
                System.arraycopy(p, 0, framed, 5, p.length);
                try { // as one unpadded DATA frame would bring it, before the service reads
                    stream.received(framed, 0, framed.length, framed.length, false);
                } catch (SessionProtocolException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            stream.endOfInput();
        }

        /** Parses the frames written: gRPC messages from DATA, the status from the trailers. */
        void read() throws IOException {
            byte[] b = wire.toByteArray();
            Hpack.Decoder decoder = new Hpack.Decoder(4096);
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (int at = 0; at + 9 <= b.length; ) {
                int length = ((b[at] & 0xff) << 16) | ((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff);
                int type = b[at + 3] & 0xff;
                byte[] payload = java.util.Arrays.copyOfRange(b, at + 9, at + 9 + length);
                if (type == Http2Server.HEADERS) {
                    for (Hpack.Header h : decoder.decode(payload)) {
                        if (h.name().equals("grpc-status")) {
                            grpcStatus = h.value();
                        }
                    }
                } else if (type == Http2Server.DATA) {
                    data.write(payload);
                }
                at += 9 + length;
            }
            byte[] m = data.toByteArray();
            for (int at = 0; at + 5 <= m.length; ) {
                int length = Http2Server.get32(m, at + 1);
                replies.add(FsPacket.parse(java.util.Arrays.copyOfRange(m, at + 5, at + 5 + length)));
                at += 5 + length;
            }
        }
    }
}
