package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.Printable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream the peer opened, seen as a gRPC call (the gRPC over HTTP/2 protocol): its request headers, the
 * length-prefixed messages the peer sends, and the replies, ended by trailers carrying {@code grpc-status}. A
 * {@link SessionService} serves it.
 */
public final class Http2Stream {

    /** gRPC status codes (grpc/grpc doc/statuscodes.md) the services answer with. */
    public static final int OK = 0;
    public static final int UNKNOWN = 2;
    public static final int INVALID_ARGUMENT = 3;
    public static final int NOT_FOUND = 5;
    public static final int PERMISSION_DENIED = 7;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int UNIMPLEMENTED = 12;

    /**
     * The largest gRPC message a call may receive: grpc-go's default, which the docker CLI's session server also
     * applies, so BuildKit never sends more (its file and SSH chunks are 32 KiB). Checked against the length prefix
     * before anything is allocated for the message.
     */
    static final int MAX_MESSAGE = 4 * 1024 * 1024;
    private static final byte[] EMPTY = new byte[0];

    private final Http2Server connection;
    private final int id;
    private final List<Hpack.Header> requestHeaders;
    private volatile boolean reset;
    private boolean responseStarted;

    /** Guards the receive side below; never held while writing to the connection. */
    private final Object receiveLock = new Object();
    /** Received bytes not yet read, a ring of {@code count} bytes from {@code head}; never more than the window. */
    private byte[] buffer = EMPTY;
    private int head;
    private int count;
    /** What the peer may still send on this stream before it must wait for a WINDOW_UPDATE. */
    private long receiveWindow = Http2Server.STREAM_WINDOW;
    /** Bytes read since the last WINDOW_UPDATE for this stream. */
    private long unacknowledged;
    private boolean inputEnded;
    /** We closed the stream: what arrives now is dropped and handed straight back to the connection's window. */
    private boolean discarded;

    /** Guarded by the connection's send-window lock. */
    long sendWindow;

    Http2Stream(Http2Server connection, int id, List<Hpack.Header> requestHeaders) {
        this.connection = connection;
        this.id = id;
        this.requestHeaders = List.copyOf(requestHeaders);
    }

    int id() {
        return id;
    }

    /** The request's {@code :path}, the gRPC method: {@code /package.Service/Method}. */
    public String path() {
        List<String> p = values(":path");
        return p.isEmpty() ? "" : p.get(0);
    }

    /** Every value of a request header (gRPC metadata), in the order sent. */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (Hpack.Header h : requestHeaders) {
            if (h.name().equals(name)) {
                out.add(h.value());
            }
        }
        return out;
    }

    /**
     * A DATA frame of {@code frameLength} bytes (flow control counts padding too) whose content is
     * {@code data[off, end)}. Called on the connection's frame-reading thread only.
     *
     * @return what to grant back at once: to the connection the padding (the pad length byte included), or the
     *     whole frame once we closed the stream; to the stream the padding, which nobody will read (the window
     *     already counts it as granted). The content is granted back as the service reads it.
     * @throws SessionProtocolException when the frame exceeds what this stream was granted, or comes after the
     *     peer ended its side
     */
    Grant received(byte[] data, int off, int end, int frameLength, boolean endStream) throws SessionProtocolException {
        synchronized (receiveLock) {
            if (frameLength > receiveWindow) {
                throw new SessionProtocolException(SessionProtocolException.FLOW_CONTROL_ERROR, "the daemon sent "
                        + frameLength + " bytes of DATA on stream " + id + " where its window allowed only "
                        + receiveWindow + " (granted " + Http2Server.STREAM_WINDOW + " bytes at a time, more only as"
                        + " the service reads them)");
            }
            if (inputEnded) {
                throw new SessionProtocolException(SessionProtocolException.STREAM_CLOSED, "the daemon sent DATA on"
                        + " stream " + id + " after it had ended the stream");
            }
            receiveWindow -= frameLength;
            inputEnded = endStream;
            int content = end - off;
            if (discarded || reset) {
                receiveLock.notifyAll();
                return new Grant(frameLength, 0);
            }
            append(data, off, content);
            int padding = frameLength - content;
            int streamGrant = 0;
            if (padding > 0 && !inputEnded) { // nothing to read: waiting for a read would stall a padding-only stream
                receiveWindow += padding; // before the peer can know of it, as a read's grant
                streamGrant = padding;
            }
            receiveLock.notifyAll();
            return new Grant(padding, streamGrant);
        }
    }

    /** Bytes of a received DATA frame to grant back at once, to the connection and to this stream. */
    record Grant(int connection, int stream) {}

    private void append(byte[] data, int off, int len) {
        if (len == 0) {
            return;
        }
        if (count + len > buffer.length) { // grows with what arrives, up to the window at most
            byte[] bigger = new byte[(int) Math.min(Math.max(buffer.length * 2L, count + len),
                    Math.max(Http2Server.STREAM_WINDOW, count + len))];
            int first = Math.min(count, buffer.length - head);
            System.arraycopy(buffer, head, bigger, 0, first);
            System.arraycopy(buffer, 0, bigger, first, count - first);
            buffer = bigger;
            head = 0;
        }
        int tail = (head + count) % buffer.length;
        int first = Math.min(len, buffer.length - tail);
        System.arraycopy(data, off, buffer, tail, first);
        System.arraycopy(data, off + first, buffer, 0, len - first);
        count += len;
    }

    /** The peer ended its side with a header block (trailers). */
    void endOfInput() {
        synchronized (receiveLock) {
            inputEnded = true;
            receiveLock.notifyAll();
        }
    }

    /**
     * We closed the stream (trailers sent, or reset): the bytes still buffered are dropped and returned, for the
     * connection to grant back, and so is whatever arrives later.
     */
    int discard() {
        synchronized (receiveLock) {
            if (discarded) {
                return 0;
            }
            discarded = true;
            int dropped = count;
            buffer = EMPTY;
            head = 0;
            count = 0;
            receiveLock.notifyAll();
            return dropped;
        }
    }

    /** The stream was reset (by the peer, by us, or with the connection): wakes its reader and its writer. */
    void reset() {
        reset = true;
        synchronized (receiveLock) {
            receiveLock.notifyAll();
        }
        connection.wakeWriters(); // a writer waiting for send window would otherwise wait for an unrelated grant
    }

    public boolean isReset() {
        return reset;
    }

    /** Received bytes waiting for the service to read them. */
    int buffered() {
        synchronized (receiveLock) {
            return count;
        }
    }

    /** The next gRPC message of the request, or null when the peer has ended its side. */
    public byte[] readMessage() throws IOException {
        byte[] prefix = new byte[5];
        if (!readFully(prefix, true)) {
            return null;
        }
        if (prefix[0] != 0) {
            throw new IOException("compressed gRPC messages are not supported");
        }
        long length = Integer.toUnsignedLong(Http2Server.get32(prefix, 1));
        if (length > MAX_MESSAGE) {
            throw connection.broke(new SessionProtocolException(SessionProtocolException.ENHANCE_YOUR_CALM,
                    "the daemon announced a gRPC message of " + length + " bytes on stream " + id + " ("
                            + Printable.line(path()) + "), beyond the limit of " + MAX_MESSAGE + " bytes"));
        }
        // grown as the bytes arrive: a prefix alone must not make us allocate what it announces
        byte[] message = new byte[(int) Math.min(length, 64 * 1024)];
        int filled = 0;
        while (filled < length) {
            if (filled == message.length) {
                message = java.util.Arrays.copyOf(message, (int) Math.min(length, message.length * 2L));
            }
            filled += read(message, filled, message.length - filled, false);
        }
        return message;
    }

    private boolean readFully(byte[] into, boolean endAllowed) throws IOException {
        for (int filled = 0; filled < into.length; ) {
            int n = read(into, filled, into.length - filled, endAllowed && filled == 0);
            if (n < 0) {
                return false;
            }
            filled += n;
        }
        return true;
    }

    /**
     * Reads what is buffered, up to {@code len} bytes, waiting for at least one; grants the bytes read back to the
     * peer (WINDOW_UPDATE), which (with padding, granted back as it arrives) is the only way its window on this
     * stream grows. Returns -1 at the end of the input when {@code endAllowed}.
     */
    private int read(byte[] into, int off, int len, boolean endAllowed) throws IOException {
        int n;
        long grant = 0;
        synchronized (receiveLock) {
            while (count == 0 && !inputEnded && !reset && !discarded) {
                try {
                    receiveLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the gRPC stream", e);
                }
            }
            if (count == 0) { // what arrived before an end or a reset is still read, as it was sent
                if (!inputEnded) {
                    throw new IOException("the peer reset the gRPC stream");
                }
                if (endAllowed) {
                    return -1;
                }
                throw new IOException("the peer ended the gRPC stream in the middle of a message");
            }
            n = Math.min(len, count);
            int first = Math.min(n, buffer.length - head);
            System.arraycopy(buffer, head, into, off, first);
            System.arraycopy(buffer, 0, into, off + first, n - first);
            head = (head + n) % buffer.length;
            count -= n;
            unacknowledged += n;
            if (unacknowledged >= Http2Server.STREAM_WINDOW / 2 && !inputEnded && !discarded) {
                grant = unacknowledged;
                receiveWindow += grant; // before the peer can know of it, so its next frame always fits
                unacknowledged = 0;
            }
        }
        connection.consumed(this, n, grant);
        return n;
    }

    /** Sends one gRPC message (the response headers first, if not yet sent). */
    public synchronized void sendMessage(byte[] message) throws IOException {
        sendMessages(List.of(message));
    }

    /**
     * Sends several gRPC messages in as few DATA frames as the peer's frame size allows (a walk of many small
     * files makes tens of thousands of messages: one frame and one write each would dominate the transfer).
     */
    public synchronized void sendMessages(List<byte[]> messages) throws IOException {
        startResponse();
        int total = 0;
        for (byte[] m : messages) {
            total += 5 + m.length;
        }
        byte[] framed = new byte[total];
        int at = 0;
        for (byte[] m : messages) {
            Http2Server.put32(framed, at + 1, m.length);
            System.arraycopy(m, 0, framed, at + 5, m.length);
            at += 5 + m.length;
        }
        connection.sendData(this, framed, 0, framed.length);
    }

    /**
     * Sends one message that holds a secret, then overwrites it and the framed copy made here, so that no array of
     * ours keeps the bytes after they are written.
     */
    public synchronized void sendSecretMessage(byte[] message) throws IOException {
        startResponse();
        byte[] framed = new byte[5 + message.length];
        Http2Server.put32(framed, 1, message.length);
        System.arraycopy(message, 0, framed, 5, message.length);
        java.util.Arrays.fill(message, (byte) 0);
        try {
            connection.sendData(this, framed, 0, framed.length);
        } finally {
            java.util.Arrays.fill(framed, (byte) 0);
        }
    }

    /** Ends the call with a gRPC status (0 is OK) and, for errors, a message. */
    public synchronized void finish(int grpcStatus, String message) throws IOException {
        List<Hpack.Header> trailers = new ArrayList<>();
        if (!responseStarted) {
            // a trailers-only response: status and grpc-status in one header block
            trailers.add(new Hpack.Header(":status", "200"));
            trailers.add(new Hpack.Header("content-type", "application/grpc"));
            responseStarted = true;
        }
        trailers.add(new Hpack.Header("grpc-status", Integer.toString(grpcStatus)));
        if (message != null && !message.isEmpty()) {
            trailers.add(new Hpack.Header("grpc-message", percentEncode(message)));
        }
        connection.sendHeaders(this, trailers, true);
    }

    /** Abandons the stream (RST_STREAM with CANCEL). */
    public void cancel() {
        connection.resetStream(this, 0x8);
    }

    private void startResponse() throws IOException {
        if (!responseStarted) {
            responseStarted = true;
            connection.sendHeaders(this, List.of(new Hpack.Header(":status", "200"),
                    new Hpack.Header("content-type", "application/grpc")), false);
        }
    }

    /** grpc-message is percent-encoded UTF-8 (the gRPC over HTTP/2 protocol). */
    static String percentEncode(String message) {
        StringBuilder b = new StringBuilder();
        for (byte c : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int u = c & 0xff;
            if (u >= 0x20 && u <= 0x7e && u != '%') {
                b.append((char) u);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(u >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(u & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
