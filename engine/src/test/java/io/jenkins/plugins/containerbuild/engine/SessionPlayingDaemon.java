package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.daemon.RawDaemonSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A daemon of the test's own on a unix socket, as much of one as a build through a BuildKit session meets: it
 * answers {@code GET /_ping} (API 1.41), upgrades {@code POST /session} to HTTP/2 and keeps the connection as a
 * {@link GrpcTestClient}, and on {@code POST /build} plays the daemon's side of the session with the test's
 * {@link Script} before it answers with an image id (at once for a build without a session). Anything else gets a
 * 404. A test may give its own replies (a JSON body by request line) for the build and for other requests. Its threads
 * are in a group of its own; closing it closes every connection.
 */
final class SessionPlayingDaemon implements AutoCloseable {

    /** What the daemon does on the session while the build request waits. */
    @FunctionalInterface
    interface Script {
        void play(GrpcTestClient session, List<String> advertisedMethods) throws Exception;
    }

    static final String IMAGE_ID = "sha256:" + "5e".repeat(32);

    /** Thrown by a script for the daemon to cut the build request's connection without an answer, as a dying one. */
    static final class CutTheBuild extends Exception {
        private static final long serialVersionUID = 1L;

        CutTheBuild(String why) {
            super(why);
        }
    }

    private final ServerSocketChannel server;
    private final Script script;
    private final Function<String, String> replies;
    private final ThreadGroup threads = new ThreadGroup("session-playing-daemon");
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final CompletableFuture<GrpcTestClient> session = new CompletableFuture<>();
    private final List<String> advertised = new CopyOnWriteArrayList<>();
    private volatile Throwable scriptFailure;

    SessionPlayingDaemon(Path socket, Script script) throws IOException {
        this(socket, script, requestLine -> null);
    }

    /**
     * @param replies the body (JSON, HTTP 200) of the reply to a request line: to the build after the script ran,
     *                or to any other request; null for the usual reply (an image id, or a 404)
     */
    SessionPlayingDaemon(Path socket, Script script, Function<String, String> replies) throws IOException {
        this.script = script;
        this.replies = replies;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread accept = new Thread(threads, () -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    open.add(ch);
                    Thread t = new Thread(threads, () -> serve(ch), "session-playing-daemon-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "session-playing-daemon-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** The request lines received, in order. */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** What the script threw (an assertion failure, most often); null when it ran through. */
    Throwable scriptFailure() {
        return scriptFailure;
    }

    private void serve(SocketChannel ch) {
        RawDaemonSocket raw = RawDaemonSocket.over(ch);
        InputStream in = raw.in();
        OutputStream out = raw.out();
        try {
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                requestLines.add(requestLine);
                List<String> headers = new java.util.ArrayList<>();
                for (String h; !(h = line(in)).isEmpty(); ) {
                    headers.add(h);
                }
                readBody(in, headers);
                String[] parts = requestLine.split(" ");
                String path = parts[1];
                if (path.endsWith("/_ping")) {
                    reply(out, "200 OK", "text/plain", "OK", "Api-Version: 1.41\r\n");
                } else if (parts[0].equals("POST") && path.matches("/v1\\.\\d+/session")) {
                    for (String h : headers) {
                        if (h.toLowerCase(Locale.ROOT).startsWith("x-docker-expose-session-grpc-method:")) {
                            advertised.add(h.substring(h.indexOf(':') + 1).strip());
                        }
                    }
                    out.write(("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    session.complete(new GrpcTestClient(in, out, threads));
                    return; // the connection is the session's now
                } else if (parts[0].equals("POST") && path.matches("/v1\\.\\d+/build\\?.*")) {
                    String body;
                    try {
                        if (path.contains("session=")) { // the classic builder's tar upload has none
                            script.play(session.get(30, TimeUnit.SECONDS), List.copyOf(advertised));
                        }
                        String own = replies.apply(requestLine);
                        body = own != null ? own
                                : "{\"id\":\"moby.image.id\",\"aux\":{\"ID\":\"" + IMAGE_ID + "\"}}\n";
                    } catch (CutTheBuild e) {
                        ch.close();
                        return;
                    } catch (Throwable e) {
                        scriptFailure = e;
                        body = "{\"errorDetail\":{\"message\":\"the test's daemon script failed\"},"
                                + "\"error\":\"the test's daemon script failed\"}\n";
                    }
                    reply(out, "200 OK", "application/json", body, "");
                } else if (replies.apply(requestLine) != null) {
                    reply(out, "200 OK", "application/json", replies.apply(requestLine), "");
                } else {
                    reply(out, "404 Not Found", "application/json", "{\"message\":\"page not found\"}", "");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void reply(OutputStream out, String status, String type, String body, String extra)
            throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\n" + extra + "Content-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    private static void readBody(InputStream in, List<String> headers) throws IOException {
        for (String h : headers) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(h.substring(h.indexOf(':') + 1).strip()));
                return;
            }
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                for (int size; (size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) > 0; ) {
                    in.readNBytes(size);
                    line(in);
                }
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return;
            }
        }
    }

    /** A line without its CRLF; null at the end of the stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new IOException("line cut short");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel ch : open) {
            ch.close();
        }
    }
}
