package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.session.Hpack;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The client side of gRPC over HTTP/2 (RFC 9113, without TLS), as the daemon speaks it on a BuildKit session: what
 * a test needs to play the daemon. It opens streams, sends length-prefixed messages, and reads the replies and the
 * trailers. It grants every byte it receives straight back (WINDOW_UPDATE) unless told to withhold, answers SETTINGS
 * and PING, and never sends anything the test did not ask for ({@link #rawFrame} sends what a hostile daemon would).
 * Frames are read on a thread of the test's own group.
 */
final class GrpcTestClient implements AutoCloseable {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;

    /** What a call's reader sees: a message, or the end of the call. */
    private static final byte[] ENDED = new byte[0];

    private final InputStream in;
    private final OutputStream out;
    private final Hpack.Encoder encoder = new Hpack.Encoder();
    private final Hpack.Decoder decoder = new Hpack.Decoder();
    private final Map<Integer, Call> calls = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile Throwable readFailure;
    private volatile boolean withholdWindows;
    private volatile int goawayCode = -1;
    private int nextStream = 1;

    GrpcTestClient(InputStream in, OutputStream out, ThreadGroup group) throws IOException {
        this.in = in;
        this.out = out;
        synchronized (out) {
            out.write(PREFACE);
            frame(SETTINGS, 0, 0, new byte[0]);
        }
        reader = new Thread(group, this::readFrames, "grpc-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** One call: request headers sent, messages to send and to read. */
    final class Call {
        private final int id;
        private final LinkedBlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final List<Hpack.Header> trailers = new ArrayList<>();
        private volatile boolean reset;

        private Call(int id) {
            this.id = id;
        }

        int id() {
            return id;
        }

        void send(byte[] message) throws IOException {
            byte[] framed = new byte[5 + message.length];
            put32(framed, 1, message.length);
            System.arraycopy(message, 0, framed, 5, message.length);
            synchronized (out) {
                frame(DATA, 0, id, framed);
            }
        }

        /** Ends our side of the call. */
        void halfClose() throws IOException {
            synchronized (out) {
                frame(DATA, END_STREAM, id, new byte[0]);
            }
        }

        /** The next message, or null once the server has ended the call; fails after {@code timeout}. */
        byte[] read(Duration timeout) throws IOException, InterruptedException {
            byte[] m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new IOException("no reply on stream " + id + " within " + timeout
                        + (readFailure != null ? " (connection failed: " + readFailure + ")" : ""));
            }
            if (m == ENDED) {
                messages.add(ENDED); // stays ended
                return null;
            }
            return m;
        }

        /** The grpc-status of the trailers; -1 when the stream was reset or ended without one. */
        int status() {
            synchronized (trailers) {
                for (Hpack.Header h : trailers) {
                    if (h.name().equals("grpc-status")) {
                        return Integer.parseInt(h.value());
                    }
                }
            }
            return -1;
        }

        /** The grpc-message of the trailers, decoded; empty when none. */
        String statusMessage() {
            synchronized (trailers) {
                for (Hpack.Header h : trailers) {
                    if (h.name().equals("grpc-message")) {
                        return URLDecoder.decode(h.value().replace("+", "%2B"), StandardCharsets.UTF_8);
                    }
                }
            }
            return "";
        }

        boolean wasReset() {
            return reset;
        }

        private void data(byte[] payload, int off, int len) {
            partial.write(payload, off, len);
            byte[] all = partial.toByteArray();
            int pos = 0;
            while (all.length - pos >= 5) {
                int length = get32(all, pos + 1);
                if (all.length - pos - 5 < length) {
                    break;
                }
                byte[] m = new byte[length];
                System.arraycopy(all, pos + 5, m, 0, length);
                messages.add(m);
                pos += 5 + length;
            }
            partial.reset();
            partial.write(all, pos, all.length - pos);
        }

        private void end() {
            messages.add(ENDED);
        }
    }

    /** Opens a call to {@code method} with the given metadata (header names in lower case, repeated as needed). */
    Call open(String method, List<Hpack.Header> metadata) throws IOException {
        List<Hpack.Header> headers = new ArrayList<>(List.of(
                new Hpack.Header(":method", "POST"),
                new Hpack.Header(":scheme", "http"),
                new Hpack.Header(":path", method),
                new Hpack.Header(":authority", "containerbuild"),
                new Hpack.Header("content-type", "application/grpc"),
                new Hpack.Header("te", "trailers")));
        headers.addAll(metadata);
        synchronized (out) {
            int id = nextStream;
            nextStream += 2;
            Call call = new Call(id);
            calls.put(id, call);
            frame(HEADERS, END_HEADERS, id, encoder.encode(headers));
            return call;
        }
    }

    /**
     * From now on grants the server nothing back (no WINDOW_UPDATE): its sends stop once they used the windows
     * granted so far, as a service that writes to a daemon that stopped reading does.
     */
    void withholdWindows() {
        withholdWindows = true;
    }

    /** The error code of the server's GOAWAY; -1 while it sent none. */
    int goawayCode() {
        return goawayCode;
    }

    /** Sends any frame, as a hostile daemon would: no window, size or state is checked. */
    void rawFrame(int type, int flags, int stream, byte[] payload) throws IOException {
        synchronized (out) {
            frame(type, flags, stream, payload);
        }
    }

    private void readFrames() {
        try {
            while (true) {
                byte[] header = in.readNBytes(9);
                if (header.length < 9) {
                    break;
                }
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                int type = header[3] & 0xff;
                int flags = header[4] & 0xff;
                int stream = get32(header, 5) & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (payload.length < length) {
                    throw new EOFException("frame cut short");
                }
                switch (type) {
                    case SETTINGS -> {
                        if ((flags & 0x1) == 0) {
                            synchronized (out) {
                                frame(SETTINGS, 0x1, 0, new byte[0]);
                            }
                        }
                    }
                    case PING -> {
                        if ((flags & 0x1) == 0) {
                            synchronized (out) {
                                frame(PING, 0x1, 0, payload);
                            }
                        }
                    }
                    case DATA -> dataFrame(flags, stream, payload);
                    case HEADERS -> headersFrame(flags, stream, payload);
                    case RST_STREAM -> {
                        Call c = calls.remove(stream);
                        if (c != null) {
                            c.reset = true;
                            c.end();
                        }
                    }
                    case GOAWAY -> goawayCode = payload.length >= 8 ? get32(payload, 4) : 0;
                    default -> { } // WINDOW_UPDATE: our messages are far smaller than any window
                }
            }
        } catch (IOException | RuntimeException e) {
            readFailure = e;
        } finally {
            for (Call c : calls.values()) {
                c.end();
            }
        }
    }

    private void dataFrame(int flags, int stream, byte[] payload) throws IOException {
        int off = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0) {
            end -= payload[0] & 0xff;
            off = 1;
        }
        if (payload.length > 0 && !withholdWindows) {
            byte[] inc = new byte[4];
            put32(inc, 0, payload.length);
            synchronized (out) {
                frame(WINDOW_UPDATE, 0, 0, inc);
                if ((flags & END_STREAM) == 0) {
                    frame(WINDOW_UPDATE, 0, stream, inc);
                }
            }
        }
        Call c = calls.get(stream);
        if (c == null) {
            return;
        }
        c.data(payload, off, end - off);
        if ((flags & END_STREAM) != 0) {
            calls.remove(stream);
            c.end();
        }
    }

    private void headersFrame(int flags, int stream, byte[] payload) throws IOException {
        int off = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0) {
            end -= payload[0] & 0xff;
            off = 1;
        }
        if ((flags & PRIORITY) != 0) {
            off += 5;
        }
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(payload, off, end - off);
        for (int f = flags; (f & END_HEADERS) == 0; ) {
            byte[] h = in.readNBytes(9);
            int length = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
            if ((h[3] & 0xff) != CONTINUATION) {
                throw new IOException("header block interrupted");
            }
            f = h[4] & 0xff;
            block.write(in.readNBytes(length));
        }
        List<Hpack.Header> fields = decoder.decode(block.toByteArray());
        Call c = calls.get(stream);
        if (c == null) {
            return;
        }
        synchronized (c.trailers) {
            c.trailers.addAll(fields); // response headers and trailers alike: grpc-status is only in the last
        }
        if ((flags & END_STREAM) != 0) {
            calls.remove(stream);
            c.end();
        }
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = new byte[9];
        h[0] = (byte) (payload.length >>> 16);
        h[1] = (byte) (payload.length >>> 8);
        h[2] = (byte) payload.length;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        put32(h, 5, stream);
        out.write(h);
        out.write(payload);
        out.flush();
    }

    private static int get32(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static void put32(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            in.close();
            reader.interrupt();
        }
    }
}
