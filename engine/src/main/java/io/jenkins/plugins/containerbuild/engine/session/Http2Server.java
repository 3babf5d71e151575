package io.jenkins.plugins.containerbuild.engine.session;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The server side of one HTTP/2 connection (RFC 9113) without TLS, as much of it as serving gRPC to a single peer
 * needs: the connection preface, SETTINGS, PING, GOAWAY, HEADERS with CONTINUATION (HPACK, RFC 7541), DATA with
 * flow control in both directions, RST_STREAM and WINDOW_UPDATE. Priorities and server push are not used. Each
 * stream the peer opens is handed to {@code onStream} on a thread of its own; frames are read on the thread that
 * calls {@link #serve()}.
 */
final class Http2Server {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    private static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final int SETTINGS_MAX_FRAME_SIZE = 0x5;

    /** What we let the peer send before it waits for a WINDOW_UPDATE, per stream and for the connection. */
    static final int RECEIVE_WINDOW = 16 * 1024 * 1024;
    private static final int DEFAULT_WINDOW = 65_535;
    private static final int MAX_FRAME_WE_ACCEPT = 1 << 20;
    /** A header block (HEADERS plus its CONTINUATION frames) larger than this ends the connection. */
    static final int MAX_HEADER_BLOCK = 1 << 20;
    /** So do more CONTINUATION frames than this for one block, even empty ones (the "CONTINUATION flood"). */
    static final int MAX_CONTINUATIONS = 256;

    private final InputStream in;
    private final OutputStream out;
    private final Consumer<Http2Stream> onStream;
    private final Map<Integer, Http2Stream> streams = new ConcurrentHashMap<>();
    private final Hpack.Decoder decoder = new Hpack.Decoder(4096);
    private final Hpack.Encoder encoder = new Hpack.Encoder();
    private final Object sendWindowLock = new Object();

    private long connectionSendWindow = DEFAULT_WINDOW;
    private int peerInitialWindow = DEFAULT_WINDOW;
    private int peerMaxFrame = 16_384;
    private long connectionReceived;
    private volatile boolean closed;

    Http2Server(InputStream in, OutputStream out, Consumer<Http2Stream> onStream) {
        this.in = in;
        this.out = out;
        this.onStream = onStream;
    }

    /** Reads frames until the peer goes away or the connection fails; every stream is reset at the end. */
    void serve() throws IOException {
        try {
            byte[] preface = in.readNBytes(PREFACE.length);
            if (!Arrays.equals(preface, PREFACE)) {
                throw new IOException("the peer did not start HTTP/2 (no connection preface)");
            }
            byte[] settings = new byte[12];
            put16(settings, 0, SETTINGS_INITIAL_WINDOW_SIZE);
            put32(settings, 2, RECEIVE_WINDOW);
            put16(settings, 6, SETTINGS_MAX_FRAME_SIZE);
            put32(settings, 8, 16_384);
            writeFrame(SETTINGS, 0, 0, settings, 0, settings.length);
            writeWindowUpdate(0, RECEIVE_WINDOW - DEFAULT_WINDOW);
            for (Frame f; !closed && (f = readFrame()) != null; ) {
                frame(f.type(), f.flags(), f.streamId(), f.payload());
            }
        } finally {
            closed = true;
            for (Http2Stream s : streams.values()) {
                s.reset();
            }
            synchronized (sendWindowLock) {
                sendWindowLock.notifyAll();
            }
        }
    }

    private record Frame(int type, int flags, int streamId, byte[] payload) {}

    /** The next frame, or null when the peer closed the connection between frames. */
    private Frame readFrame() throws IOException {
        byte[] header = in.readNBytes(9);
        if (header.length < 9) {
            return null;
        }
        int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
        if (length > MAX_FRAME_WE_ACCEPT) {
            throw new IOException("HTTP/2 frame of " + length + " bytes is larger than announced");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("HTTP/2 frame cut short");
        }
        return new Frame(header[3] & 0xff, header[4] & 0xff, get32(header, 5) & 0x7fffffff, payload);
    }

    private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        switch (type) {
            case SETTINGS -> settings(flags, payload);
            case PING -> {
                if ((flags & FLAG_ACK) == 0) {
                    writeFrame(PING, FLAG_ACK, 0, payload, 0, payload.length);
                }
            }
            case WINDOW_UPDATE -> {
                if (payload.length != 4) {
                    throw new IOException("HTTP/2 WINDOW_UPDATE of " + payload.length + " bytes instead of 4");
                }
                windowUpdate(streamId, get32(payload, 0) & 0x7fffffff);
            }
            case HEADERS -> headers(flags, streamId, payload);
            case DATA -> data(flags, streamId, payload);
            case RST_STREAM -> {
                Http2Stream s = streams.remove(streamId);
                if (s != null) {
                    s.reset();
                }
            }
            case GOAWAY -> closed = true;
            default -> { } // PRIORITY, unknown extensions: nothing to do
        }
    }

    private void settings(int flags, byte[] payload) throws IOException {
        if ((flags & FLAG_ACK) != 0) {
            return;
        }
        for (int i = 0; i + 6 <= payload.length; i += 6) {
            int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
            int value = get32(payload, i + 2);
            switch (id) {
                case SETTINGS_INITIAL_WINDOW_SIZE -> {
                    synchronized (sendWindowLock) {
                        int delta = value - peerInitialWindow;
                        peerInitialWindow = value;
                        for (Http2Stream s : streams.values()) {
                            s.sendWindow += delta;
                        }
                        sendWindowLock.notifyAll();
                    }
                }
                case SETTINGS_MAX_FRAME_SIZE -> peerMaxFrame = value;
                case SETTINGS_HEADER_TABLE_SIZE -> { } // we never index what we send
                default -> { }
            }
        }
        writeFrame(SETTINGS, FLAG_ACK, 0, new byte[0], 0, 0);
    }

    private void windowUpdate(int streamId, int increment) {
        synchronized (sendWindowLock) {
            if (streamId == 0) {
                connectionSendWindow += increment;
            } else {
                Http2Stream s = streams.get(streamId);
                if (s != null) {
                    s.sendWindow += increment;
                }
            }
            sendWindowLock.notifyAll();
        }
    }

    /**
     * Where a HEADERS or DATA frame's content lies in its payload, {@code [offset, end)}, after the pad length
     * byte, the priority fields and the padding; a pad length that does not fit the frame is a protocol error.
     */
    static int[] content(int flags, byte[] payload, boolean priorityFields) throws IOException {
        int offset = 0;
        int end = payload.length;
        if ((flags & FLAG_PADDED) != 0) {
            if (payload.length < 1) {
                throw new IOException("HTTP/2 padded frame without a pad length");
            }
            end -= payload[0] & 0xff;
            offset = 1;
        }
        if (priorityFields && (flags & FLAG_PRIORITY) != 0) {
            offset += 5;
        }
        if (end < offset) {
            throw new IOException("HTTP/2 frame whose padding is longer than its payload");
        }
        return new int[] {offset, end};
    }

    private void headers(int flags, int streamId, byte[] payload) throws IOException {
        int[] content = content(flags, payload, true);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(payload, content[0], content[1] - content[0]);
        int continuations = 0;
        for (int f = flags; (f & FLAG_END_HEADERS) == 0; ) {
            Frame next = readFrame();
            if (next == null) {
                throw new EOFException("HTTP/2 header block cut short");
            }
            if (next.type() != CONTINUATION || next.streamId() != streamId) {
                throw new IOException("HTTP/2 header block interrupted by another frame");
            }
            if (++continuations > MAX_CONTINUATIONS || block.size() + next.payload().length > MAX_HEADER_BLOCK) {
                throw new IOException("HTTP/2 header block longer than " + MAX_HEADER_BLOCK + " bytes or "
                        + MAX_CONTINUATIONS + " CONTINUATION frames");
            }
            f = next.flags();
            block.write(next.payload());
        }
        List<Hpack.Header> fields = decoder.decode(block.toByteArray());
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            s = new Http2Stream(this, streamId, fields);
            synchronized (sendWindowLock) {
                s.sendWindow = peerInitialWindow;
            }
            streams.put(streamId, s);
            if (endStream) {
                s.endOfInput();
            }
            Http2Stream started = s;
            Thread.ofVirtual().name("containerbuild-session-" + streamId).start(() -> onStream.accept(started));
        } else if (endStream) {
            s.endOfInput(); // trailers
        }
    }

    private void data(int flags, int streamId, byte[] payload) throws IOException {
        int[] content = content(flags, payload, false);
        int offset = content[0];
        int end = content[1];
        connectionReceived += payload.length;
        if (connectionReceived >= RECEIVE_WINDOW / 2) {
            writeWindowUpdate(0, (int) connectionReceived);
            connectionReceived = 0;
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            return; // a stream we already closed
        }
        if (end > offset) {
            s.received(Arrays.copyOfRange(payload, offset, end));
        }
        s.consumed += payload.length;
        if (s.consumed >= RECEIVE_WINDOW / 2 && (flags & FLAG_END_STREAM) == 0) {
            writeWindowUpdate(streamId, (int) s.consumed);
            s.consumed = 0;
        }
        if ((flags & FLAG_END_STREAM) != 0) {
            s.endOfInput();
        }
    }

    /** Sends a header block; {@code endStream} ends our side of the stream (trailers). */
    void sendHeaders(Http2Stream s, List<Hpack.Header> fields, boolean endStream) throws IOException {
        byte[] block;
        synchronized (encoder) {
            block = encoder.encode(fields);
        }
        synchronized (out) {
            int off = 0;
            boolean first = true;
            do {
                int n = Math.min(peerMaxFrame, block.length - off);
                boolean last = off + n == block.length;
                int type = first ? HEADERS : CONTINUATION;
                int flags = (last ? FLAG_END_HEADERS : 0) | (first && endStream ? FLAG_END_STREAM : 0);
                writeFrameLocked(type, flags, s.id(), block, off, n);
                off += n;
                first = false;
            } while (off < block.length);
            out.flush();
        }
        if (endStream) {
            streams.remove(s.id());
        }
    }

    /** Sends bytes as DATA frames, waiting for the peer's flow-control windows as needed. */
    void sendData(Http2Stream s, byte[] data, int off, int len) throws IOException {
        while (len > 0) {
            int n;
            synchronized (sendWindowLock) {
                while (!closed && !s.isReset() && (connectionSendWindow <= 0 || s.sendWindow <= 0)) {
                    try {
                        sendWindowLock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the peer's flow-control window", e);
                    }
                }
                if (closed || s.isReset()) {
                    throw new IOException("the HTTP/2 stream was closed by the peer");
                }
                n = (int) Math.min(Math.min(connectionSendWindow, s.sendWindow), Math.min(len, peerMaxFrame));
                connectionSendWindow -= n;
                s.sendWindow -= n;
            }
            writeFrame(DATA, 0, s.id(), data, off, n);
            off += n;
            len -= n;
        }
    }

    void resetStream(Http2Stream s, int errorCode) {
        byte[] code = new byte[4];
        put32(code, 0, errorCode);
        try {
            writeFrame(RST_STREAM, 0, s.id(), code, 0, 4);
        } catch (IOException ignored) {
            // the connection is gone: the stream is too
        }
        streams.remove(s.id());
    }

    boolean isClosed() {
        return closed;
    }

    private void writeWindowUpdate(int streamId, int increment) throws IOException {
        byte[] p = new byte[4];
        put32(p, 0, increment);
        writeFrame(WINDOW_UPDATE, 0, streamId, p, 0, 4);
    }

    private void writeFrame(int type, int flags, int streamId, byte[] payload, int off, int len) throws IOException {
        synchronized (out) {
            writeFrameLocked(type, flags, streamId, payload, off, len);
            out.flush();
        }
    }

    private void writeFrameLocked(int type, int flags, int streamId, byte[] payload, int off, int len)
            throws IOException {
        byte[] h = new byte[9];
        h[0] = (byte) (len >>> 16);
        h[1] = (byte) (len >>> 8);
        h[2] = (byte) len;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        put32(h, 5, streamId);
        out.write(h);
        out.write(payload, off, len);
    }

    static int get32(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    static void put32(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }
}
