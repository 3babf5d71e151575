package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * BuildKit's file send ({@code /moby.filesync.v1.FileSend/DiffCopy}), through which the daemon's local and tar
 * exporters hand the build's result to the client (what {@code outputs} on {@code POST /build} asks for).
 *
 * <p>Local: the daemon is fsutil's sender. It sends a STAT packet for every entry of the result (directories before
 * their content, numbered in order from 0) and an empty STAT at the end of its walk; we ask for each regular file's
 * content with REQ and receive it as DATA chunks ended by an empty one (hard links and links are not asked for), and
 * when everything is written we send FIN, which the daemon answers with FIN. {@link OutputDirectoryWriter} keeps the
 * writing inside the destination.
 *
 * <p>Tar: the daemon writes the tar stream as {@code BytesMessage { bytes data = 1; }} chunks (BuildKit 0.8 sends no
 * metadata with them) and ends its side; we end the call with OK. The daemon also ends its side after a failed
 * export, so the tar is complete only when the build succeeds: it is written to a temporary name beside the
 * destination and moved into place by {@link #commit()}.
 *
 * <p>Nothing of an export stays unless {@link #commit()} is called after the build succeeded: {@link #close()} (the
 * session's end) removes the temporary files and, for a directory, the entries the export created.
 *
 * <p>One export at a time: a call that comes while another is running is refused and fails the build. BuildKit makes
 * one call per exported result; only a multi-platform build, which the engine never requests, would make several at
 * once. Two writers in one tree could undo each other's checks (one removes a directory that the other confirmed, a
 * third puts a link in its place), which is how a hostile daemon could otherwise make a roll-back or a chmod act
 * outside the destination; see {@link OutputDirectoryWriter} for what holds for calls one after the other. A tar export
 * has no announced size: what bounds it is the room on the destination's file system (and the build's abort).
 */
public final class FileSendService implements SessionService {

    static final String DIFF_COPY = "/moby.filesync.v1.FileSend/DiffCopy";
    /** How long {@link #commit()} and {@link #close()} wait for a call that is still writing. */
    private static final long WAIT_SECONDS = 30;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The gRPC status for a call that comes after the export ended. */
    private static final int FAILED_PRECONDITION = 9;

    private final Path destination;
    private final boolean tar;
    /** Directories made for the destination itself, outermost first: removed with the rest when nothing is kept. */
    private final List<Path> madeForDestination;
    private final List<OutputDirectoryWriter> writers = new ArrayList<>();
    private final List<Path> tarTemporaries = new ArrayList<>();
    private final AtomicLong bytesReceived = new AtomicLong();
    private Path completeTar;
    private int active;
    private int completed;
    private boolean committed;
    private boolean closed;
    private IOException failure;

    private FileSendService(Path destination, boolean tar, List<Path> madeForDestination) {
        this.destination = destination;
        this.tar = tar;
        this.madeForDestination = List.copyOf(madeForDestination);
    }

    /**
     * Exports into {@code directory}, created when missing (with its missing parents); an existing directory is
     * merged into, as the docker CLI does.
     *
     * @throws IOException with a message for the user when the directory cannot be used
     */
    public static FileSendService intoDirectory(Path directory) throws IOException {
        Path dir = directory.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("The output directory " + dir + " exists and is not a directory: remove it or"
                    + " choose another output.");
        }
        List<Path> made = makeDirectories(dir);
        try { // the writer's only way to stay inside: refused here, before the build, not at its first file
            OutputDirectoryWriter.openSecure(dir).close();
        } catch (IOException e) {
            for (int i = made.size() - 1; i >= 0; i--) {
                deleteQuietly(made.get(i));
            }
            throw e;
        }
        return new FileSendService(dir.toRealPath(), false, made);
    }

    /**
     * Exports into the tar file {@code file}, replaced when it exists; its missing parent directories are created.
     *
     * @throws IOException with a message for the user when the file cannot be written there
     */
    public static FileSendService intoTarFile(Path file) throws IOException {
        Path f = file.toAbsolutePath().normalize();
        if (Files.isDirectory(f)) {
            throw new IOException("The tar output " + f + " is a directory: name a file, such as " + f.resolve(
                    "out.tar") + ".");
        }
        if (f.getParent() == null) {
            throw new IOException("The tar output " + f + " names no file: give a file path.");
        }
        List<Path> made = makeDirectories(f.getParent());
        return new FileSendService(f.getParent().toRealPath().resolve(f.getFileName()), true, made);
    }

    private static List<Path> makeDirectories(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(0, p);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("Cannot create the output directory " + dir + " (" + e.getMessage() + "): check"
                    + " the permissions of its parent.", e);
        }
        return missing;
    }

    @Override
    public List<String> methods() {
        return List.of(DIFF_COPY);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        boolean concurrent;
        synchronized (this) {
            if (closed || committed) {
                call.finish(FAILED_PRECONDITION, "the export for this session has ended");
                return;
            }
            concurrent = active > 0;
            if (!concurrent) {
                active++;
            }
        }
        if (concurrent) {
            // One writer at a time: two exports into one tree could undo each other's checks (one removes a
            // directory the other confirmed, a third puts a link in its place). The build fails with this.
            fail(call, new OutputDirectoryWriter.OutputException("The daemon opened a second export into "
                    + destination + " while the first was still running: it was refused, the build stopped and what"
                    + " the export wrote is removed; nothing was written outside " + destination + ". Run the build"
                    + " again, and report it if it persists (BuildKit exports a one-platform result, the only kind this"
                    + " engine asks for, in one call).", null));
            return;
        }
        boolean received = false;
        try {
            received = tar ? receiveTar(call) : receiveTree(call);
        } finally {
            synchronized (this) {
                active--;
                notifyAll();
            }
        }
        if (received) { // told only now, so that an export the daemon starts next is not taken for a concurrent one
            try {
                call.finish(Http2Stream.OK, null);
            } catch (IOException ignored) {
                // the daemon may already have closed the finished call; it has everything
            }
        }
    }

    /** The first local failure of an export (a refused path, a write error); null when none. */
    @Override
    public synchronized IOException failure() {
        return failure;
    }

    /** Entries of the result that could not be written: devices, pipes and sockets. */
    public synchronized List<String> skipped() {
        List<String> all = new ArrayList<>();
        writers.forEach(w -> all.addAll(w.skipped()));
        return all;
    }

    /** Bytes of file content (or of the tar) received so far. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** Where the result goes: the directory, or the tar file. */
    public Path destination() {
        return destination;
    }

    /**
     * The build succeeded: keeps what was exported (moves the tar into place). Waits for a call still finishing.
     *
     * @throws IOException with a message for the user when nothing or not all of it arrived
     */
    public synchronized void commit() throws IOException {
        awaitIdle();
        if (failure != null) {
            throw failure;
        }
        if (active > 0) {
            throw new IOException("The export to " + destination + " did not finish in " + WAIT_SECONDS + " s after"
                    + " the build: run the build again.");
        }
        if (completed == 0) {
            throw new IOException("The daemon reported the build done but exported nothing to " + destination
                    + ": run the build again, and check that the daemon supports outputs (API 1.40 or later).");
        }
        if (tar) {
            try {
                Files.move(completeTar, destination, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new IOException("Cannot move the tar output into place at " + destination + " ("
                        + e.getMessage() + "): check that it is not a directory and that its directory is writable.",
                        e);
            }
            tarTemporaries.remove(completeTar);
        }
        committed = true;
    }

    /** The session ended: unless committed, removes everything the exports wrote. */
    @Override
    public synchronized void close() {
        closed = true;
        awaitIdle();
        for (Path t : tarTemporaries) {
            deleteQuietly(t);
        }
        tarTemporaries.clear();
        if (!committed) {
            // the last export first: a later one may have filled a directory an earlier one made, which that
            // earlier one can remove only once it is empty again
            for (int i = writers.size() - 1; i >= 0; i--) {
                writers.get(i).rollback();
            }
            for (int i = madeForDestination.size() - 1; i >= 0; i--) {
                deleteQuietly(madeForDestination.get(i));
            }
        }
        writers.clear();
    }

    private void awaitIdle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        boolean interrupted = false;
        while (active > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                interrupted = true; // the cleanup still has to happen; the caller sees the interrupt afterwards
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Receives one local export; true when it is complete (the call is then still to be ended with OK). */
    private boolean receiveTree(Http2Stream call) throws IOException {
        OutputDirectoryWriter writer = new OutputDirectoryWriter(destination);
        synchronized (this) {
            writers.add(writer);
        }
        int nextId = 0;
        boolean walked = false;
        boolean finSent = false;
        try {
            for (byte[] message; (message = call.readMessage()) != null; ) {
                FsPacket.Received p = parse(message);
                switch (p.type()) {
                    case FsPacket.STAT -> {
                        if (walked) {
                            throw protocol("an entry after the end of the walk");
                        }
                        if (p.stat() == null) {
                            walked = true;
                        } else if (writer.add(nextId++, p.stat())) {
                            call.sendMessage(FsPacket.req(nextId - 1));
                        }
                    }
                    case FsPacket.DATA -> {
                        if (p.data().length == 0) {
                            writer.endOfFile(p.id());
                        } else {
                            writer.data(p.id(), p.data());
                            bytesReceived.addAndGet(p.data().length);
                        }
                    }
                    case FsPacket.FIN -> {
                        if (!finSent) {
                            throw protocol("the end of the transfer before every file was written");
                        }
                        synchronized (this) {
                            completed++;
                        }
                        return true;
                    }
                    case FsPacket.ERR -> throw new IOException("the daemon's export failed: " + Printable.line(
                            new String(p.data(), StandardCharsets.UTF_8))); // the daemon reports it with the build
                    default -> throw protocol("a packet of unknown type " + p.type());
                }
                if (walked && !finSent && !writer.filesPending()) {
                    writer.finish();
                    call.sendMessage(FsPacket.fin());
                    finSent = true;
                }
            }
            throw new IOException("the daemon ended the export before it was complete");
        } catch (IOException | RuntimeException e) {
            writer.rollback();
            fail(call, e);
            return false;
        }
    }

    /** Receives one tar export; true when it is complete (the call is then still to be ended with OK). */
    private boolean receiveTar(Http2Stream call) throws IOException {
        Path temporary = destination.resolveSibling(".cb-export-" + randomHex() + ".tar");
        synchronized (this) {
            tarTemporaries.add(temporary);
        }
        try {
            try (SeekableByteChannel out = Files.newByteChannel(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                for (byte[] message; (message = call.readMessage()) != null; ) {
                    byte[] chunk = bytesMessage(message);
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    try {
                        while (b.hasRemaining()) {
                            out.write(b);
                        }
                    } catch (IOException e) {
                        throw new OutputDirectoryWriter.OutputException("Cannot write the tar output " + destination
                                + " (" + e.getMessage() + "): check that its directory is writable and has room.", e);
                    }
                    bytesReceived.addAndGet(chunk.length);
                }
            }
            synchronized (this) {
                if (completeTar != null) { // one tar per build: a second one replaces the first
                    tarTemporaries.remove(completeTar);
                    deleteQuietly(completeTar);
                }
                completeTar = temporary;
                completed++;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                tarTemporaries.remove(temporary);
                if (temporary.equals(completeTar)) {
                    completeTar = null;
                    completed--;
                }
            }
            deleteQuietly(temporary);
            fail(call, e);
            return false;
        }
    }

    /**
     * Ends a failed call: a local failure (a refused path, a write error) is kept for {@link #failure()} and told
     * to the daemon, which then fails the build; a broken stream (an abort, the daemon's own failure) just ends.
     */
    private void fail(Http2Stream call, Exception e) {
        if (e instanceof OutputDirectoryWriter.OutputException local) {
            synchronized (this) {
                if (failure == null) {
                    failure = local;
                }
            }
        }
        if (call.isReset()) {
            return;
        }
        try {
            if (!tar) {
                call.sendMessage(FsPacket.err(String.valueOf(e.getMessage())));
            }
            call.finish(Http2Stream.UNKNOWN, String.valueOf(e.getMessage()));
        } catch (IOException | RuntimeException ignored) {
            call.cancel();
        }
    }

    private static FsPacket.Received parse(byte[] message) throws IOException {
        try {
            return FsPacket.parse(message);
        } catch (IOException e) {
            throw protocol("an unreadable packet (" + e.getMessage() + ")");
        }
    }

    private static byte[] bytesMessage(byte[] message) throws IOException {
        byte[] data = new byte[0];
        ProtoReader r = new ProtoReader(message);
        while (r.hasRemaining()) {
            int tag = r.readTag();
            if (ProtoReader.fieldNumber(tag) == 1) {
                data = r.readBytes();
            } else {
                r.skipField(tag);
            }
        }
        return data;
    }

    private static OutputDirectoryWriter.OutputException protocol(String what) {
        return new OutputDirectoryWriter.OutputException("The daemon's export sent " + what + ": the export was"
                + " stopped; run the build again and report it if it persists.", null);
    }

    private static String randomHex() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a directory that is not empty (someone put something in it), or nothing more to do
        }
    }
}
