package io.jenkins.plugins.containerbuild.engine.session;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A peer of the test's own that speaks raw HTTP/2 frames to an {@link Http2Server} over a unix socket, as a hostile
 * daemon would: it sends whatever frames the test writes, whether its windows allow them or not, and keeps count of
 * what the server granted (SETTINGS_INITIAL_WINDOW_SIZE and WINDOW_UPDATE) so that a test can tell "within the
 * window" from "beyond it". Frames the server sends are kept in order for the test to look at.
 */
final class RawH2Peer implements AutoCloseable {

    record Frame(int type, int flags, int stream, byte[] payload) {}

    /** What the server's {@link Http2Server#serve()} ended with: null when it returned normally. */
    private final CompletableFuture<Throwable> served = new CompletableFuture<>();
    private final LinkedBlockingQueue<Frame> received = new LinkedBlockingQueue<>();
    /** Frames {@link #sync} took from {@code received} while it waited for its PING ACK, for {@link #next}. */
    private final List<Frame> seen = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> streamGrants = new ConcurrentHashMap<>();
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private final Thread reader;
    private volatile long connectionGrant = 65_535;
    private volatile long initialStreamWindow = 65_535;
    private volatile boolean goaway;

    RawH2Peer(Path dir, Consumer<Http2Stream> onStream) throws IOException {
        Path socket = dir.resolve("h2.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            SocketChannel accepted = server.accept();
            Thread.ofPlatform().daemon().name("raw-h2-server").start(() -> {
                try (accepted) {
                    new Http2Server(Channels.newInputStream(accepted), Channels.newOutputStream(accepted), onStream)
                            .serve();
                    served.complete(null);
                } catch (Throwable e) {
                    served.complete(e);
                }
            });
        }
        in = Channels.newInputStream(channel);
        out = Channels.newOutputStream(channel);
        out.write(Http2Server.PREFACE);
        frame(Http2Server.SETTINGS, 0, 0, new byte[0]);
        reader = Thread.ofPlatform().daemon().name("raw-h2-peer").start(this::read);
    }

    private void read() {
        try {
            for (byte[] h; (h = in.readNBytes(9)).length == 9; ) {
                int length = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
                Frame f = new Frame(h[3] & 0xff, h[4] & 0xff, Http2Server.get32(h, 5) & 0x7fffffff,
                        in.readNBytes(length));
                switch (f.type()) {
                    case Http2Server.SETTINGS -> {
                        for (int i = 0; i + 6 <= f.payload().length; i += 6) {
                            if (f.payload()[i + 1] == 0x4) {
                                initialStreamWindow = Http2Server.get32(f.payload(), i + 2);
                            }
                        }
                    }
                    case Http2Server.WINDOW_UPDATE -> {
                        int increment = Http2Server.get32(f.payload(), 0) & 0x7fffffff;
                        if (f.stream() == 0) {
                            connectionGrant += increment;
                        } else {
                            streamGrants.merge(f.stream(), (long) increment, Long::sum);
                        }
                    }
                    case Http2Server.GOAWAY -> goaway = true;
                    default -> { }
                }
                received.add(f);
            }
        } catch (IOException e) {
            // the server closed the connection
        }
    }

    /** Everything the server granted the connection so far: its initial window plus its WINDOW_UPDATEs. */
    long connectionGrant() {
        return connectionGrant;
    }

    /** Everything the server granted one stream so far. */
    long streamGrant(int stream) {
        return initialStreamWindow + streamGrants.getOrDefault(stream, 0L);
    }

    /** The WINDOW_UPDATE increments the server sent for one stream (not the connection). */
    long streamUpdates(int stream) {
        return streamGrants.getOrDefault(stream, 0L);
    }

    boolean sawGoaway() {
        return goaway;
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        synchronized (out) {
            writeFrame(out, type, flags, stream, payload);
        }
    }

    /** Writes one frame: the 9-byte header (length, type, flags, stream) and its payload, then flushes. */
    static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = new byte[9];
        h[0] = (byte) (payload.length >>> 16);
        h[1] = (byte) (payload.length >>> 8);
        h[2] = (byte) payload.length;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        Http2Server.put32(h, 5, stream);
        out.write(h);
        out.write(payload);
        out.flush();
    }

    /** Opens a gRPC call: a complete header block without END_STREAM. */
    void open(int stream, String path) throws IOException {
        frame(Http2Server.HEADERS, Http2Server.FLAG_END_HEADERS, stream, new Hpack.Encoder().encode(List.of(
                new Hpack.Header(":method", "POST"), new Hpack.Header(":scheme", "http"),
                new Hpack.Header(":path", path), new Hpack.Header("content-type", "application/grpc"))));
    }

    /** One gRPC message, framed with its length prefix, in DATA frames of at most 16 KiB. */
    void message(int stream, byte[] message) throws IOException {
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        byte[] prefix = new byte[5];
        Http2Server.put32(prefix, 1, message.length);
        framed.writeBytes(prefix);
        framed.writeBytes(message);
        byte[] all = framed.toByteArray();
        for (int off = 0; off < all.length; off += 16_384) {
            int n = Math.min(16_384, all.length - off);
            byte[] chunk = new byte[n];
            System.arraycopy(all, off, chunk, 0, n);
            frame(Http2Server.DATA, 0, stream, chunk);
        }
    }

    /**
     * Waits until the server has handled every frame sent before: a PING and its ACK, which the server sends only
     * after the frames before the PING. Returns false when no ACK came within the time (the server stopped).
     */
    boolean sync(Duration timeout) throws IOException, InterruptedException {
        byte[] opaque = {1, 2, 3, 4, 5, 6, 7, (byte) System.nanoTime()};
        frame(Http2Server.PING, 0, 0, opaque);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Frame f = received.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (f != null && f.type() == Http2Server.PING && Arrays.equals(f.payload(), opaque)) {
                return true;
            }
            if (f != null && f.type() != Http2Server.PING) {
                seen.add(f);
            }
        }
        return false;
    }

    /** The next frame of a type from the server, waiting up to the timeout; null when none came. */
    Frame next(int type, Duration timeout) throws InterruptedException {
        for (Frame f : seen) {
            if (f.type() == type) {
                seen.remove(f);
                return f;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Frame f = received.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (f != null && f.type() == type) {
                return f;
            }
        }
        return null;
    }

    /** What {@link Http2Server#serve()} ended with (null: returned normally), waiting up to the timeout. */
    Throwable served(Duration timeout) throws Exception {
        try {
            return served.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the server still serves after " + timeout, e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        reader.interrupt();
    }
}
