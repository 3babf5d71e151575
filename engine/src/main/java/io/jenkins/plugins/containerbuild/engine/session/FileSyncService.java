package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.context.ContextException;
import io.jenkins.plugins.containerbuild.engine.context.ContextFiles;
import io.jenkins.plugins.containerbuild.engine.context.SyncedDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * BuildKit's file sync ({@code /moby.filesync.v1.FileSync/DiffCopy}) as the docker CLI serves it for a build: the
 * daemon names a directory ({@code dir-name}: {@code context} or {@code dockerfile}) and a filter; we send the stat
 * of every entry, then the content of each file the daemon asks for (it asks only for what its cache of the
 * previous transfer lacks), then answer its FIN.
 */
public final class FileSyncService implements SessionService {

    static final String DIFF_COPY = "/moby.filesync.v1.FileSync/DiffCopy";
    private static final int CHUNK = 32 * 1024;
    /** Stats are sent in batches of about this many bytes (a few hundred entries), not one message at a time. */
    private static final int STAT_BATCH_BYTES = 16 * 1024;

    private final Map<String, SyncedDirectory> dirs;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicReference<IOException> firstFailure = new AtomicReference<>();

    /** Offers each directory under its name ({@link BuildSession#CONTEXT}, {@link BuildSession#DOCKERFILE}). */
    public FileSyncService(Map<String, SyncedDirectory> dirs) {
        this.dirs = Map.copyOf(dirs);
    }

    @Override
    public List<String> methods() {
        return List.of(DIFF_COPY);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        diffCopy(call);
    }

    @Override
    public IOException failure() {
        return firstFailure.get();
    }

    /** Bytes of file content sent so far, over every transfer. */
    public long bytesSent() {
        return bytesSent.get();
    }

    private void diffCopy(Http2Stream call) throws IOException {
        String dirName = first(option(call, "dir-name"));
        SyncedDirectory dir = dirs.get(dirName == null ? "" : dirName);
        if (dir == null) {
            call.finish(5, "no access allowed to dir \"" + Printable.line(dirName) + "\"");
            return;
        }
        SyncedDirectory.Filter filter = new SyncedDirectory.Filter(option(call, "include-patterns"),
                option(call, "exclude-patterns"), option(call, "followpaths"));
        Map<Integer, SyncedDirectory.Entry> files = new ConcurrentHashMap<>();
        try (ContextFiles contents = dir.files()) { // the walked files' contents, read only from what was walked
            diffCopy(call, dir, filter, files, contents);
        }
    }

    private void diffCopy(Http2Stream call, SyncedDirectory dir, SyncedDirectory.Filter filter,
            Map<Integer, SyncedDirectory.Entry> files, ContextFiles contents) throws IOException {
        AtomicReference<Throwable> walkFailure = new AtomicReference<>();
        Thread walker = Thread.ofVirtual().name("containerbuild-session-walk").start(() -> {
            int[] next = {0};
            List<byte[]> batch = new ArrayList<>();
            int[] batchBytes = {0};
            try {
                dir.walk(filter, contents, entry -> {
                    int id = next[0]++;
                    if (entry.regular() && entry.linkname().isEmpty()) {
                        files.put(id, entry); // before its stat leaves: the daemon may ask for it at once
                    }
                    byte[] stat = FsPacket.stat(entry);
                    batch.add(stat);
                    batchBytes[0] += stat.length;
                    if (batchBytes[0] >= STAT_BATCH_BYTES) {
                        call.sendMessages(batch);
                        batch.clear();
                        batchBytes[0] = 0;
                    }
                });
                batch.add(FsPacket.stat(null));
                call.sendMessages(batch);
            } catch (IOException | RuntimeException e) {
                walkFailure.set(e);
                if (e instanceof IOException io) {
                    firstFailure.compareAndSet(null, io);
                }
                try {
                    call.sendMessage(FsPacket.err(e.getMessage()));
                } catch (IOException ignored) {
                    // the stream is gone; the daemon reports the build as failed anyway
                }
            }
        });
        try {
            for (byte[] message; (message = call.readMessage()) != null; ) {
                FsPacket.Received p = FsPacket.parse(message);
                switch (p.type()) {
                    case FsPacket.REQ -> sendFile(call, p.id(), files.remove(p.id()));
                    case FsPacket.FIN -> {
                        join(walker);
                        call.sendMessage(FsPacket.fin());
                        call.finish(0, null);
                        return;
                    }
                    case FsPacket.ERR -> {
                        join(walker);
                        call.finish(2, "receiver failed: " + Printable.line(new String(p.data(),
                                StandardCharsets.UTF_8)));
                        return;
                    }
                    default -> { } // nothing else comes from a receiver
                }
            }
            join(walker);
            Throwable failed = walkFailure.get();
            call.finish(failed == null ? 0 : 2, failed == null ? null : failed.getMessage());
        } finally {
            walker.interrupt();
        }
    }

    /**
     * The content of a walked file, opened without following links and only if it is the inode that was walked, and
     * exactly as long as its STAT said: a file appended to since the walk is sent up to its walked size, as the tar
     * upload sends it, and one cut short fails the transfer.
     */
    private void sendFile(Http2Stream call, int id, SyncedDirectory.Entry entry) throws IOException {
        if (entry == null) {
            call.sendMessage(FsPacket.err("invalid file id " + id));
            return;
        }
        Path file = entry.file();
        byte[] buf = new byte[CHUNK];
        try (InputStream in = entry.openContent()) {
            for (long remaining = entry.size(); remaining > 0; ) {
                int n = in.readNBytes(buf, 0, (int) Math.min(CHUNK, remaining));
                if (n == 0) { // the words of ContextTarWriter's copyExactly
                    throw new ContextException("File " + file + " shrank while the build context was being sent:"
                            + " retry when nothing is modifying the context.");
                }
                call.sendMessage(FsPacket.data(id, buf, 0, n));
                bytesSent.addAndGet(n);
                remaining -= n;
            }
        } catch (ContextException e) {
            firstFailure.compareAndSet(null, e);
            throw e;
        } catch (NoSuchFileException e) {
            IOException clear = new ContextException(file + " in the build context was deleted while the context was"
                    + " being sent: keep the context unchanged while it is built, then build again.", e);
            firstFailure.compareAndSet(null, clear);
            throw clear;
        } catch (IOException e) {
            IOException clear = new IOException("Cannot read " + file + " in the build context: make it readable or"
                    + " exclude it in .dockerignore.", e);
            firstFailure.compareAndSet(null, clear);
            throw clear;
        }
        call.sendMessage(FsPacket.data(id, buf, 0, 0));
    }

    /** A metadata option as the daemon's file sync sends it: values percent-encoded when KEY-encoded is set. */
    static List<String> option(Http2Stream call, String key) {
        List<String> values = call.values(key);
        boolean encoded = call.values(key + "-encoded").stream().anyMatch(v -> v.equals("1") || v.equals("true"));
        if (!encoded) {
            return values;
        }
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String first(List<String> values) {
        return values.isEmpty() ? null : values.get(0);
    }

    private static void join(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending the build context", e);
        }
    }
}
