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
 *
 * <p>The peer is the daemon, and a daemon (or whatever answers on its address) may be hostile, so everything it can
 * make us hold is bounded: a stream's received bytes by its window, which grows back only as its service reads them
 * (RFC 9113 Section 5.2), so a stream nobody reads stops the peer there without holding up the others; all streams'
 * by the connection's window, granted back the same way; frames by the size we announce; header blocks by size and
 * CONTINUATION count and the headers they decode to by SETTINGS_MAX_HEADER_LIST_SIZE; open streams by
 * SETTINGS_MAX_CONCURRENT_STREAMS; a gRPC message by {@link Http2Stream#MAX_MESSAGE}. Nothing is queued to send:
 * writers write, and wait for the peer's windows and the socket. A peer that breaks these rules gets a GOAWAY with
 * the error code RFC 9113 gives for it and {@link #serve()} ends with a {@link SessionProtocolException} saying what
 * it did, never with our memory running out.
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
    private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
    private static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

    /**
     * What a stream may receive before its service reads: large enough that a transfer of file content is not held
     * up waiting for WINDOW_UPDATEs (one is sent each time the service has read half of it).
     */
    static final int STREAM_WINDOW = 4 * 1024 * 1024;
    /** What all streams together may receive before their services read: several streams' windows. */
    static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    /** Streams open at once; a peer that opens more gets REFUSED_STREAM (grpc-go waits for a free one instead). */
    static final int MAX_CONCURRENT_STREAMS = 32;
    /** The largest frame we accept, and announce: the HTTP/2 default. */
    static final int MAX_FRAME = 16_384;
    private static final int DEFAULT_WINDOW = 65_535;
    private static final long MAX_WINDOW = Integer.MAX_VALUE;
    /** A header block (HEADERS plus its CONTINUATION frames) larger than this ends the connection. */
    static final int MAX_HEADER_BLOCK = 1 << 20;
    /** So do more CONTINUATION frames than this for one block, even empty ones (the "CONTINUATION flood"). */
    static final int MAX_CONTINUATIONS = 256;
    /** The header list one block may decode to, counted as SETTINGS_MAX_HEADER_LIST_SIZE counts it. */
    static final int MAX_HEADER_LIST = 1 << 20;

    private final InputStream in;
    private final OutputStream out;
    private final Consumer<Http2Stream> onStream;
    private final Map<Integer, Http2Stream> streams = new ConcurrentHashMap<>();
    private final Hpack.Decoder decoder = new Hpack.Decoder(Hpack.DEFAULT_TABLE_SIZE);
    private final Hpack.Encoder encoder = new Hpack.Encoder();
    private final Object sendWindowLock = new Object();
    private final Object receiveLock = new Object();

    private long connectionSendWindow = DEFAULT_WINDOW;
    private long peerInitialWindow = DEFAULT_WINDOW;
    private int peerMaxFrame = 16_384;
    /** What the peer may still send on the connection; guarded by receiveLock. */
    private long connectionReceiveWindow = CONNECTION_WINDOW;
    /** Bytes read or dropped since the last connection WINDOW_UPDATE; guarded by receiveLock. */
    private long connectionUnacknowledged;
    /** The highest stream id the peer opened: ids only grow (RFC 9113 Section 5.1.1); the frame thread only. */
    private int lastStreamId;
    private volatile boolean closed;
    private volatile SessionProtocolException broken;

    Http2Server(InputStream in, OutputStream out, Consumer<Http2Stream> onStream) {
        this.in = in;
        this.out = out;
        this.onStream = onStream;
    }

    /**
     * Reads frames until the peer goes away or the connection fails; every stream is reset at the end.
     *
     * @throws SessionProtocolException when the peer broke the protocol (it was sent a GOAWAY saying how)
     */
    void serve() throws IOException {
        try {
            byte[] preface = in.readNBytes(PREFACE.length);
            if (!Arrays.equals(preface, PREFACE)) {
                throw new IOException("the peer did not start HTTP/2 (no connection preface)");
            }
            int[][] ours = {
                {SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
                {SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
                {SETTINGS_MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS},
                {SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST},
            };
            byte[] settings = new byte[6 * ours.length];
            for (int i = 0; i < ours.length; i++) {
                put16(settings, 6 * i, ours[i][0]);
                put32(settings, 6 * i + 2, ours[i][1]);
            }
            writeFrame(SETTINGS, 0, 0, settings, 0, settings.length);
            writeWindowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW);
            for (Frame f; !closed && (f = readFrame()) != null; ) {
                frame(f.type(), f.flags(), f.streamId(), f.payload());
            }
        } catch (SessionProtocolException e) {
            goAway(e);
            throw e;
        } catch (HpackException e) {
            SessionProtocolException broken = new SessionProtocolException(SessionProtocolException.COMPRESSION_ERROR,
                    "the daemon sent a header block that was refused: " + e.getMessage(), e);
            goAway(broken);
            throw broken;
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

    /**
     * How the peer first broke the protocol, on the connection or in a call; set before the peer is told, so that it
     * is known by the time the peer reacts.
     */
    SessionProtocolException protocolFailure() {
        return broken;
    }

    /** Keeps the first way the peer broke the protocol, and returns {@code e} to be thrown. */
    synchronized SessionProtocolException broke(SessionProtocolException e) {
        if (broken == null) {
            broken = e;
        }
        return e;
    }

    /** Tells the peer why the connection ends (RFC 9113 Section 6.8), as far as it still listens. */
    private void goAway(SessionProtocolException e) {
        broke(e);
        byte[] debug = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[8 + Math.min(debug.length, 256)];
        put32(p, 0, lastStreamId);
        put32(p, 4, e.errorCode());
        System.arraycopy(debug, 0, p, 8, p.length - 8);
        try {
            writeFrame(GOAWAY, 0, 0, p, 0, p.length);
        } catch (IOException ignored) {
            // the peer is gone already: the exception still says what it did
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
        if (length > MAX_FRAME) { // read nothing of it: its length alone is the error
            throw new SessionProtocolException(SessionProtocolException.FRAME_SIZE_ERROR, "the daemon sent an"
                    + " HTTP/2 frame of " + length + " bytes, larger than the " + MAX_FRAME + " it was told");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("HTTP/2 frame cut short");
        }
        return new Frame(header[3] & 0xff, header[4] & 0xff, get32(header, 5) & 0x7fffffff, payload);
    }

    private static SessionProtocolException protocolError(String whatThePeerDid) {
        return new SessionProtocolException(SessionProtocolException.PROTOCOL_ERROR, whatThePeerDid);
    }

    private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        switch (type) {
            case SETTINGS -> settings(flags, streamId, payload);
            case PING -> {
                if (payload.length != 8 || streamId != 0) {
                    throw new SessionProtocolException(SessionProtocolException.FRAME_SIZE_ERROR, "the daemon sent"
                            + " a PING of " + payload.length + " bytes on stream " + streamId + " (8 on stream 0)");
                }
                if ((flags & FLAG_ACK) == 0) {
                    writeFrame(PING, FLAG_ACK, 0, payload, 0, payload.length);
                }
            }
            case WINDOW_UPDATE -> {
                if (payload.length != 4) {
                    throw new SessionProtocolException(SessionProtocolException.FRAME_SIZE_ERROR,
                            "the daemon sent a WINDOW_UPDATE of " + payload.length + " bytes instead of 4");
                }
                windowUpdate(streamId, get32(payload, 0) & 0x7fffffff);
            }
            case HEADERS -> headers(flags, streamId, payload);
            case DATA -> data(flags, streamId, payload);
            case RST_STREAM -> {
                if (streamId == 0 || payload.length != 4) {
                    throw protocolError("the daemon sent an RST_STREAM of " + payload.length + " bytes on stream "
                            + streamId);
                }
                Http2Stream s = streams.remove(streamId);
                if (s != null) {
                    s.reset(); // its service may still read what arrived before; it discards the rest when it ends
                }
            }
            case CONTINUATION -> throw protocolError("the daemon sent a CONTINUATION frame that follows no header"
                    + " block");
            case GOAWAY -> closed = true;
            default -> { } // PRIORITY, unknown extensions: nothing to do
        }
    }

    private void settings(int flags, int streamId, byte[] payload) throws IOException {
        if (streamId != 0) {
            throw protocolError("the daemon sent SETTINGS on stream " + streamId);
        }
        if ((flags & FLAG_ACK) != 0) {
            return;
        }
        if (payload.length % 6 != 0) {
            throw new SessionProtocolException(SessionProtocolException.FRAME_SIZE_ERROR,
                    "the daemon sent SETTINGS of " + payload.length + " bytes, not a multiple of 6");
        }
        for (int i = 0; i + 6 <= payload.length; i += 6) {
            int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
            long value = Integer.toUnsignedLong(get32(payload, i + 2));
            switch (id) {
                case SETTINGS_INITIAL_WINDOW_SIZE -> {
                    if (value > MAX_WINDOW) {
                        throw new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR,
                                "the daemon set SETTINGS_INITIAL_WINDOW_SIZE to " + value);
                    }
                    synchronized (sendWindowLock) {
                        long delta = value - peerInitialWindow;
                        for (Http2Stream s : streams.values()) { // RFC 9113 Section 6.9.2: checked before any applies
                            if (s.sendWindow + delta > MAX_WINDOW) {
                                throw new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR,
                                        "the daemon set SETTINGS_INITIAL_WINDOW_SIZE to " + value + ", which took"
                                                + " stream " + s.id() + "'s window beyond 2^31-1");
                            }
                        }
                        peerInitialWindow = value;
                        for (Http2Stream s : streams.values()) {
                            s.sendWindow += delta;
                        }
                        sendWindowLock.notifyAll();
                    }
                }
                case SETTINGS_MAX_FRAME_SIZE -> {
                    if (value < 16_384 || value > 0xffffff) {
                        throw protocolError("the daemon set SETTINGS_MAX_FRAME_SIZE to " + value);
                    }
                    peerMaxFrame = (int) value;
                }
                case SETTINGS_HEADER_TABLE_SIZE -> { } // we never index what we send
                default -> { }
            }
        }
        writeFrame(SETTINGS, FLAG_ACK, 0, new byte[0], 0, 0);
    }

    private void windowUpdate(int streamId, int increment) throws SessionProtocolException {
        if (increment == 0) {
            throw protocolError("the daemon sent a WINDOW_UPDATE of 0 on stream " + streamId);
        }
        Http2Stream overflowed = null;
        synchronized (sendWindowLock) {
            if (streamId == 0) {
                connectionSendWindow += increment;
                if (connectionSendWindow > MAX_WINDOW) {
                    throw new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR,
                            "the daemon's WINDOW_UPDATEs made the connection's window larger than 2^31-1");
                }
            } else {
                Http2Stream s = streams.get(streamId);
                if (s != null) {
                    if (s.sendWindow + increment > MAX_WINDOW) {
                        overflowed = s;
                    } else {
                        s.sendWindow += increment;
                    }
                }
            }
            sendWindowLock.notifyAll();
        }
        if (overflowed != null) { // RFC 9113 Section 6.9.1: a stream error; the other calls go on
            broke(new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR, "the daemon's"
                    + " WINDOW_UPDATEs made stream " + streamId + "'s window larger than 2^31-1"));
            resetStream(overflowed, SessionProtocolException.FLOW_CONTROL_ERROR);
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
                throw protocolError("HTTP/2 padded frame without a pad length");
            }
            end -= payload[0] & 0xff;
            offset = 1;
        }
        if (priorityFields && (flags & FLAG_PRIORITY) != 0) {
            offset += 5;
        }
        if (end < offset) {
            throw protocolError("HTTP/2 frame whose padding is longer than its payload");
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
                throw protocolError("HTTP/2 header block interrupted by another frame");
            }
            if (++continuations > MAX_CONTINUATIONS || block.size() + next.payload().length > MAX_HEADER_BLOCK) {
                throw new SessionProtocolException(SessionProtocolException.ENHANCE_YOUR_CALM, "HTTP/2 header block"
                        + " longer than " + MAX_HEADER_BLOCK + " bytes or " + MAX_CONTINUATIONS + " CONTINUATION"
                        + " frames on stream " + streamId);
            }
            f = next.flags();
            block.write(next.payload());
        }
        List<Hpack.Header> fields = decoder.decode(block.toByteArray(), MAX_HEADER_LIST); // always: HPACK has state
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        Http2Stream s = streams.get(streamId);
        if (s != null) {
            if (endStream) {
                s.endOfInput(); // trailers
            }
            return;
        }
        if (streamId == 0 || streamId % 2 == 0) {
            throw protocolError("the daemon opened stream " + streamId + " (a client opens odd ids only)");
        }
        if (streamId <= lastStreamId) {
            resetStream(streamId, SessionProtocolException.STREAM_CLOSED); // a stream that ended: never again
            return;
        }
        lastStreamId = streamId;
        if (streams.size() >= MAX_CONCURRENT_STREAMS) {
            resetStream(streamId, SessionProtocolException.REFUSED_STREAM); // the peer may try it again later
            return;
        }
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
    }

    private void data(int flags, int streamId, byte[] payload) throws IOException {
        if (streamId == 0) {
            throw protocolError("the daemon sent DATA on stream 0");
        }
        synchronized (receiveLock) {
            if (payload.length > connectionReceiveWindow) {
                throw new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR, "the daemon sent "
                        + payload.length + " bytes of DATA on stream " + streamId + " where the connection's window"
                        + " allowed only " + connectionReceiveWindow + " (granted " + CONNECTION_WINDOW + " bytes at"
                        + " a time, more only as the services read them)");
            }
            connectionReceiveWindow -= payload.length;
        }
        int[] content = content(flags, payload, false);
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            if (streamId > lastStreamId) {
                throw protocolError("the daemon sent DATA on stream " + streamId + ", which it never opened");
            }
            consumed(null, payload.length, 0); // a stream we closed: dropped, and granted back
            return;
        }
        Http2Stream.Grant free = s.received(payload, content[0], content[1], payload.length,
                (flags & FLAG_END_STREAM) != 0);
        if (free.connection() > 0 || free.stream() > 0) {
            consumed(s, free.connection(), free.stream());
        }
    }

    /**
     * Bytes of the connection's window that are free again: read by a service, dropped, or padding. The peer is
     * granted them back in batches of half the window; {@code streamGrant}, when not 0, is a WINDOW_UPDATE for the
     * stream that was read.
     */
    void consumed(Http2Stream s, long bytes, long streamGrant) throws IOException {
        long grant = 0;
        synchronized (receiveLock) {
            connectionUnacknowledged += bytes;
            if (connectionUnacknowledged >= CONNECTION_WINDOW / 2) {
                grant = connectionUnacknowledged;
                connectionReceiveWindow += grant;
                connectionUnacknowledged = 0;
            }
        }
        if (closed) {
            return;
        }
        if (streamGrant > 0 && s != null && streams.get(s.id()) == s) {
            writeWindowUpdate(s.id(), (int) streamGrant);
        }
        if (grant > 0) {
            writeWindowUpdate(0, (int) grant);
        }
    }

    /** The stream is closed on our side: it is forgotten, and what it still held is granted back to the peer. */
    private void closeStream(Http2Stream s) {
        streams.remove(s.id(), s);
        int dropped = s.discard();
        if (dropped > 0) {
            try {
                consumed(null, dropped, 0);
            } catch (IOException ignored) {
                // the connection is gone: nothing to grant
            }
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
            closeStream(s);
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
                if (closed) {
                    throw new IOException("the HTTP/2 connection was closed");
                }
                if (s.isReset()) {
                    throw new IOException("the HTTP/2 stream was reset");
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

    /** Wakes every writer waiting for send window, to look again at its stream (reset) or the connection. */
    void wakeWriters() {
        synchronized (sendWindowLock) {
            sendWindowLock.notifyAll();
        }
    }

    void resetStream(Http2Stream s, int errorCode) {
        resetStream(s.id(), errorCode);
        s.reset();
        closeStream(s);
    }

    private void resetStream(int streamId, int errorCode) {
        byte[] code = new byte[4];
        put32(code, 0, errorCode);
        try {
            writeFrame(RST_STREAM, 0, streamId, code, 0, 4);
        } catch (IOException ignored) {
            // the connection is gone: the stream is too
        }
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
