package io.jenkins.plugins.containerbuild.engine.session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

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
    public static final int UNIMPLEMENTED = 12;

    private static final byte[] END = new byte[0];

    private final Http2Server connection;
    private final int id;
    private final List<Hpack.Header> requestHeaders;
    private final LinkedBlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>();
    private volatile boolean reset;
    private boolean inputEnded;
    private boolean responseStarted;
    private byte[] chunk = END;
    private int chunkOffset;

    /** Guarded by the connection's send-window lock. */
    long sendWindow;
    /** Bytes received since the last WINDOW_UPDATE for this stream; the reading thread only. */
    long consumed;

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

    void received(byte[] data) {
        inbound.add(data);
    }

    void endOfInput() {
        inbound.add(END);
    }

    void reset() {
        reset = true;
        inbound.add(END);
    }

    public boolean isReset() {
        return reset;
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
        int length = Http2Server.get32(prefix, 1);
        if (length < 0 || length > 64 * 1024 * 1024) {
            throw new IOException("gRPC message of " + length + " bytes refused");
        }
        byte[] message = new byte[length];
        if (!readFully(message, false)) {
            throw new IOException("gRPC message cut short");
        }
        return message;
    }

    private boolean readFully(byte[] into, boolean endAllowed) throws IOException {
        int filled = 0;
        while (filled < into.length) {
            if (chunkOffset == chunk.length) {
                if (inputEnded) {
                    if (filled == 0 && endAllowed) {
                        return false;
                    }
                    throw new IOException("the peer ended the gRPC stream in the middle of a message");
                }
                try {
                    chunk = inbound.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the gRPC stream", e);
                }
                chunkOffset = 0;
                if (chunk == END) {
                    inputEnded = true;
                    if (reset) {
                        throw new IOException("the peer reset the gRPC stream");
                    }
                }
                continue;
            }
            int n = Math.min(into.length - filled, chunk.length - chunkOffset);
            System.arraycopy(chunk, chunkOffset, into, filled, n);
            chunkOffset += n;
            filled += n;
        }
        return true;
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
