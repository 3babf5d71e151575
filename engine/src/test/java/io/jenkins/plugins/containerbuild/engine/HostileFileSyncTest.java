package io.jenkins.plugins.containerbuild.engine;

import static io.jenkins.plugins.containerbuild.engine.FsutilWire.DATA;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.ERR;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.FIN;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.REQ;
import static io.jenkins.plugins.containerbuild.engine.FsutilWire.STAT;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import io.jenkins.plugins.containerbuild.engine.session.Hpack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise that a build's file sync gives the daemon nothing the context's {@code .dockerignore} excludes and
 * nothing outside the context, whatever the daemon asks (docs/security.md). The lab daemons filter on their side
 * too, which would hide a fault of ours; so here a daemon of the test's own takes the engine's real build through a
 * session ({@link BuildImageStep} on a {@link DaemonConnection}) and, when the build request comes, plays a hostile
 * BuildKit on the session: it asks with filters that include everything, for paths outside the context and behind
 * symbolic links, for file ids it was never sent, and for directories that were never offered. Every byte that comes
 * back is searched for the content of the files it must not get.
 */
@Timeout(120)
class HostileFileSyncTest {

    private static final String DIFF_COPY = "/moby.filesync.v1.FileSync/DiffCopy";
    private static final Duration REPLY = Duration.ofSeconds(30);

    /** In the content of every file the daemon must not read: it must appear in nothing that arrives. */
    private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));

    @TempDir
    Path tmp;
    private Path ctx;
    private Path outside;

    /** The names the context offers: everything the .dockerignore leaves in, symbolic links as links. */
    private static final Set<String> OFFERED = Set.of(".dockerignore", "Dockerfile", "keep.txt", "sub", "sub/ok.txt",
            "private", "private/public.txt", "escape", "abs-escape", "escape-dir", "to-secret");

    @BeforeEach
    void context() throws IOException {
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        write(outside, "outside.txt", forbidden("outside.txt"));
        write(ctx, "Dockerfile", "FROM busybox:local\nCOPY . /app\n");
        write(ctx, ".dockerignore", "secret.txt\n*.key\n**/*.key\nprivate\n!private/public.txt\ncache/\n");
        write(ctx, "keep.txt", "may be read: keep\n");
        write(ctx, "secret.txt", forbidden("secret.txt"));
        write(ctx, "app.key", forbidden("app.key"));
        write(ctx, "sub/app.key", forbidden("sub/app.key"));
        write(ctx, "sub/ok.txt", "may be read: sub/ok\n");
        write(ctx, "private/hidden.txt", forbidden("private/hidden.txt"));
        write(ctx, "private/public.txt", "may be read: re-included\n");
        write(ctx, "cache/blob", forbidden("cache/blob"));
        Files.createSymbolicLink(ctx.resolve("escape"), Path.of("../outside/outside.txt"));
        Files.createSymbolicLink(ctx.resolve("abs-escape"), outside.resolve("outside.txt").toAbsolutePath());
        Files.createSymbolicLink(ctx.resolve("escape-dir"), Path.of("../outside"));
        Files.createSymbolicLink(ctx.resolve("to-secret"), Path.of("secret.txt"));
    }

    @Test
    void aDaemonThatAsksForEverythingGetsOnlyWhatTheDockerignoreLetsThroughAndNothingOutside() throws Exception {
        List<Transfer> transfers = new ArrayList<>();
        Map<String, Integer> refusedDirs = new LinkedHashMap<>();
        List<String> refusedMessages = new ArrayList<>();
        List<String> advertised = new ArrayList<>();
        runBuild((session, methods) -> {
            advertised.addAll(methods);
            // no filter at all
            transfers.add(diffCopy(session, meta("dir-name", "context")));
            // include patterns that name every excluded file, and everything
            transfers.add(diffCopy(session, meta("dir-name", "context",
                    "include-patterns", "**", "include-patterns", "secret.txt", "include-patterns", "*.key",
                    "include-patterns", "sub/app.key", "include-patterns", "private/hidden.txt",
                    "include-patterns", "cache", "include-patterns", "cache/blob",
                    "include-patterns", "../outside/outside.txt", "include-patterns", "escape-dir/outside.txt")));
            // the daemon's own exclude patterns re-including what the .dockerignore excludes
            transfers.add(diffCopy(session, meta("dir-name", "context",
                    "exclude-patterns", "nothing-of-that-name", "exclude-patterns", "!secret.txt",
                    "exclude-patterns", "!**/*.key", "exclude-patterns", "!private", "exclude-patterns",
                    "!private/hidden.txt", "exclude-patterns", "!cache/")));
            // paths to follow: excluded files, paths out of the context, through links out of it
            transfers.add(diffCopy(session, meta("dir-name", "context",
                    "followpaths", "secret.txt", "followpaths", "app.key", "followpaths", "sub/app.key",
                    "followpaths", "private/hidden.txt", "followpaths", "cache/blob", "followpaths", "cache",
                    "followpaths", "../outside/outside.txt", "followpaths", "../../" + outside.getFileName(),
                    "followpaths", outside.resolve("outside.txt").toString(), "followpaths", "/etc/passwd",
                    "followpaths", "escape", "followpaths", "abs-escape", "followpaths", "escape-dir",
                    "followpaths", "escape-dir/outside.txt", "followpaths", "to-secret")));
            // the same, percent-encoded as the daemon may send them
            transfers.add(diffCopy(session, meta("dir-name", "context", "followpaths-encoded", "1",
                    "followpaths", "..%2Foutside%2Foutside.txt", "followpaths", "secret%2Etxt",
                    "followpaths", "private%2Fhidden.txt", "include-patterns-encoded", "1",
                    "include-patterns", "%2A%2A")));
            // the Dockerfile's directory (here the context itself) offers the Dockerfile only
            transfers.add(diffCopy(session, meta("dir-name", "dockerfile", "include-patterns", "**")));
            transfers.add(diffCopy(session, meta("dir-name", "dockerfile", "followpaths", "secret.txt",
                    "followpaths", "keep.txt", "followpaths", "escape")));
            // directories never offered
            for (String dir : List.of("", "Context", "context/..", "../context", "./context", "/", ".", "..",
                    "secrets", "outside", ctx.toString(), outside.toString())) {
                GrpcTestClient.Call call = session.open(DIFF_COPY, meta("dir-name", dir));
                call.halfClose();
                List<byte[]> got = readAll(call);
                refusedDirs.put(dir, call.status());
                refusedMessages.add(call.statusMessage());
                assertThat(got).as("messages for dir-name '%s'", dir).isEmpty();
            }
            GrpcTestClient.Call noName = session.open(DIFF_COPY, List.of());
            noName.halfClose();
            assertThat(readAll(noName)).as("messages for a call without dir-name").isEmpty();
            refusedDirs.put("(none)", noName.status());
        });

        assertThat(advertised).as("the methods the session offered").contains(DIFF_COPY);
        List<String> leaks = new ArrayList<>();
        for (Transfer t : transfers) {
            for (String path : t.paths()) {
                if (!OFFERED.contains(path)) {
                    leaks.add("the stat of " + path + ", asked with " + t.metadata());
                }
            }
            t.contents().forEach((path, content) -> {
                if (content.contains(token)) {
                    leaks.add("the content of a forbidden file as " + path + ", asked with " + t.metadata());
                }
            });
            if (new String(t.raw(), StandardCharsets.ISO_8859_1).contains(token)) {
                leaks.add("forbidden content in the bytes answering " + t.metadata());
            }
        }
        assertThat(leaks).as("what reached the daemon that must not").isEmpty();
        assertThat(String.join("\n", refusedMessages)).doesNotContain(token);

        Transfer plain = transfers.get(0);
        assertThat(plain.paths()).as("what the context offers with no filter").isEqualTo(new TreeSet<>(OFFERED));
        assertThat(plain.contents()).as("the content of every offered file, asked for by its id").isEqualTo(Map.of(
                ".dockerignore", Files.readString(ctx.resolve(".dockerignore")),
                "Dockerfile", Files.readString(ctx.resolve("Dockerfile")),
                "keep.txt", "may be read: keep\n",
                "sub/ok.txt", "may be read: sub/ok\n",
                "private/public.txt", "may be read: re-included\n"));
        for (Transfer t : transfers) {
            assertThat(t.paths()).as("stats sent for %s", t.metadata()).isSubsetOf(OFFERED);
            assertThat(t.status()).as("status of %s", t.metadata()).isZero();
            // every id that is not a file sent by its stat (directories, links, ids never sent) gets an error
            for (int id : t.asked()) {
                Stat s = id >= 0 && id < t.stats().size() ? t.stats().get(id) : null;
                boolean file = s != null && s.isRegular();
                assertThat(t.errors().containsKey(id)).as("error for id %d (%s) in %s", id, s, t.metadata())
                        .isEqualTo(!file);
                assertThat(t.data().containsKey(id)).as("data for id %d (%s) in %s", id, s, t.metadata())
                        .isEqualTo(file);
            }
            assertThat(t.errors().values()).allSatisfy(m -> assertThat(m).startsWith("invalid file id"));
        }
        assertThat(transfers.get(5).paths()).as("the Dockerfile's directory").containsExactly("Dockerfile");
        assertThat(transfers.get(6).paths()).as("the Dockerfile's directory, paths followed").isEmpty();
        assertThat(refusedDirs).as("grpc-status for directories never offered")
                .allSatisfy((dir, status) -> assertThat(status).as(dir).isEqualTo(5));
        assertThat(refusedMessages).allSatisfy(m -> assertThat(m).startsWith("no access allowed to dir"));
    }

    /**
     * A file appended to between the walk and the daemon's request is sent as long as its STAT said, as the tar
     * upload sends it: the daemon never receives more bytes than it was announced.
     */
    @Test
    void aFileThatGrewAfterTheWalkIsSentAsLongAsItsStatSays() throws Exception {
        String before = Files.readString(ctx.resolve("keep.txt"));
        int[] keep = {-1};
        Transfer[] transfer = {null};
        runBuild((session, methods) -> transfer[0] = diffCopy(session, meta("dir-name", "context"), stats -> {
            keep[0] = indexOf(stats, "keep.txt");
            try {
                Files.writeString(ctx.resolve("keep.txt"), "appended after the walk\n", StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of(keep[0]);
        }));
        assertThat(transfer[0].stats().get(keep[0]).size()).as("the walked size").isEqualTo(before.length());
        assertThat(transfer[0].errors()).isEmpty();
        assertThat(new String(transfer[0].data().get(keep[0]), StandardCharsets.UTF_8))
                .as("what the daemon received for keep.txt").isEqualTo(before);
    }

    /** A file cut short between the walk and the request fails its transfer with the tar upload's words. */
    @Test
    void aFileThatShrankAfterTheWalkFailsItsTransfer() throws Exception {
        int[] status = {-1};
        String[] message = {null};
        runBuild((session, methods) -> {
            GrpcTestClient.Call call = session.open(DIFF_COPY, meta("dir-name", "context"));
            List<Stat> stats = new ArrayList<>();
            for (Packet p; (p = Packet.parse(call.read(REPLY))).stat() != null; ) {
                stats.add(p.stat());
            }
            Files.writeString(ctx.resolve("keep.txt"), "cut");
            call.send(new ProtoWriter().varint(1, REQ).varint(3, indexOf(stats, "keep.txt")).toByteArray());
            for (byte[] m; (m = call.read(REPLY)) != null; ) {
                Packet p = Packet.parse(m);
                if (p.type() == DATA && p.data().length == 0) { // the file's end: the transfer was taken as whole
                    call.send(new ProtoWriter().varint(1, FIN).toByteArray());
                    call.halfClose();
                }
            }
            status[0] = call.status();
            message[0] = call.statusMessage();
        });
        assertThat(status[0]).as("the transfer's gRPC status").isNotZero();
        assertThat(message[0]).contains("keep.txt").contains("shrank while the build context was being sent");
    }

    private static int indexOf(List<Stat> stats, String path) {
        for (int i = 0; i < stats.size(); i++) {
            if (stats.get(i).path().equals(path)) {
                return i;
            }
        }
        throw new AssertionError(path + " was not walked");
    }

    /** Runs the engine's build against the test's daemon, which plays {@code script} on the session. */
    private void runBuild(SessionPlayingDaemon.Script script) throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        try (SessionPlayingDaemon daemon = new SessionPlayingDaemon(socket, script);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildRequest request = BuildRequest.builder(ctx).tag("hostile-file-sync:test").build();
            BuildImageStep.Built built;
            try {
                built = new BuildImageStep(connection, request, new RecordingSink()).call();
            } catch (ContainerEngineException e) {
                if (daemon.scriptFailure() != null) {
                    throw new AssertionError("the daemon's side of the session failed", daemon.scriptFailure());
                }
                throw e;
            }
            if (daemon.scriptFailure() != null) {
                throw new AssertionError("the daemon's side of the session failed", daemon.scriptFailure());
            }
            assertThat(daemon.requestLines()).as("the build went through a session")
                    .anySatisfy(l -> assertThat(l).startsWith("POST /v1.41/session"))
                    .anySatisfy(l -> assertThat(l).contains("session=").contains("remote=client-session"));
            assertThat(built.imageId()).isEqualTo(SessionPlayingDaemon.IMAGE_ID);
        }
    }

    /** A stat as the file sync sent it: its id is its position in the walk. */
    record Stat(String path, long mode, long size, String linkname) {
        boolean isRegular() {
            return (mode & 0xffff_ffffL & ~0777L & ~((1L << 23) | (1L << 22) | (1L << 20))) == 0 && linkname.isEmpty();
        }
    }

    record Transfer(List<Hpack.Header> metadata, List<Stat> stats, List<Integer> asked, Map<Integer, byte[]> data,
                    Map<Integer, String> errors, int status, byte[] raw) {
        Set<String> paths() {
            Set<String> p = new TreeSet<>();
            stats.forEach(s -> p.add(s.path()));
            return p;
        }

        Map<String, String> contents() {
            Map<String, String> c = new LinkedHashMap<>();
            data.forEach((id, bytes) -> c.put(stats.get(id).path(), new String(bytes, StandardCharsets.UTF_8)));
            return c;
        }
    }

    /**
     * One DiffCopy as a greedy receiver: takes the stats, asks for every id sent and some never sent (negative, far
     * beyond the end), reads each answer, then ends with FIN as BuildKit does.
     */
    private Transfer diffCopy(GrpcTestClient session, List<Hpack.Header> metadata) throws Exception {
        return diffCopy(session, metadata, stats -> {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < stats.size() + 3; i++) {
                ids.add(i);
            }
            ids.addAll(List.of(1000, Integer.MAX_VALUE, -1));
            return ids;
        });
    }

    private Transfer diffCopy(GrpcTestClient session, List<Hpack.Header> metadata,
                              Function<List<Stat>, List<Integer>> ask) throws Exception {
        GrpcTestClient.Call call = session.open(DIFF_COPY, metadata);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        List<Stat> stats = new ArrayList<>();
        while (true) {
            byte[] m = call.read(REPLY);
            assertThat(m).as("the walk's end for %s (status %d %s)", metadata, call.status(), call.statusMessage())
                    .isNotNull();
            raw.write(m);
            Packet p = Packet.parse(m);
            assertThat(p.type()).as("a stat during the walk for %s", metadata).isEqualTo(STAT);
            if (p.stat() == null) {
                break;
            }
            stats.add(p.stat());
        }
        List<Integer> asked = ask.apply(stats);
        for (int id : asked) {
            call.send(new ProtoWriter().varint(1, REQ).varint(3, id & 0xffffffffL).toByteArray());
        }
        Map<Integer, byte[]> data = new LinkedHashMap<>();
        Map<Integer, String> errors = new LinkedHashMap<>();
        for (int id : asked) { // answers come in the order asked
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            while (true) {
                byte[] m = call.read(REPLY);
                assertThat(m).as("an answer for id %d in %s", id, metadata).isNotNull();
                raw.write(m);
                Packet p = Packet.parse(m);
                if (p.type() == ERR) {
                    errors.put(id, new String(p.data(), StandardCharsets.UTF_8));
                    break;
                }
                assertThat(p.type()).as("answer to REQ %d", id).isEqualTo(DATA);
                assertThat(p.id()).as("the id of a DATA answering REQ %d", id).isEqualTo(id);
                if (p.data().length == 0) {
                    data.put(id, content.toByteArray());
                    break;
                }
                content.write(p.data());
            }
        }
        call.send(new ProtoWriter().varint(1, FIN).toByteArray());
        call.halfClose();
        byte[] fin = call.read(REPLY);
        assertThat(fin).as("FIN for %s", metadata).isNotNull();
        raw.write(fin);
        assertThat(Packet.parse(fin).type()).isEqualTo(FIN);
        for (byte[] m; (m = call.read(REPLY)) != null; ) {
            raw.write(m);
        }
        raw.write(call.statusMessage().getBytes(StandardCharsets.UTF_8));
        return new Transfer(metadata, stats, asked, data, errors, call.status(), raw.toByteArray());
    }

    private static List<byte[]> readAll(GrpcTestClient.Call call) throws Exception {
        List<byte[]> got = new ArrayList<>();
        for (byte[] m; (m = call.read(REPLY)) != null; ) {
            got.add(m);
        }
        return got;
    }

    /** The fsutil Packet, read here from the wire on its own (not with the engine's FsPacket). */
    record Packet(int type, int id, byte[] data, Stat stat) {
        static Packet parse(byte[] m) throws IOException {
            int type = 0;
            int id = 0;
            byte[] data = new byte[0];
            Stat stat = null;
            ProtoReader r = new ProtoReader(m);
            while (r.hasRemaining()) {
                int tag = r.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 1 -> type = (int) r.readVarint();
                    case 2 -> {
                        ProtoReader s = r.readMessage();
                        String path = "";
                        String link = "";
                        long mode = 0;
                        long size = 0;
                        while (s.hasRemaining()) {
                            int t = s.readTag();
                            switch (ProtoReader.fieldNumber(t)) {
                                case 1 -> path = s.readString();
                                case 2 -> mode = s.readVarint();
                                case 5 -> size = s.readVarint();
                                case 7 -> link = s.readString();
                                default -> s.skipField(t);
                            }
                        }
                        stat = new Stat(path, mode, size, link);
                    }
                    case 3 -> id = (int) r.readVarint();
                    case 4 -> data = r.readBytes();
                    default -> r.skipField(tag);
                }
            }
            return new Packet(type, id, data, stat);
        }
    }

    private static List<Hpack.Header> meta(String... namesAndValues) {
        List<Hpack.Header> h = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(new Hpack.Header(namesAndValues[i], namesAndValues[i + 1]));
        }
        return h;
    }

    private String forbidden(String name) {
        return "must never reach the daemon " + token + " " + name + "\n";
    }

    private static void write(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }
}
