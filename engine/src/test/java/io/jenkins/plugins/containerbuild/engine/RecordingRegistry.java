package io.jenkins.plugins.containerbuild.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry that lets nobody in, on a loopback port: it answers every request with 401 and a Basic or Bearer
 * challenge (the Bearer realm being its own {@code /token}, which refuses too) and records each request as it came,
 * headers and body. A test asks whether any credential reached it. A TLS handshake (the daemon tries HTTPS first for
 * some registries) is counted and answered as a plain HTTP server answers it, so that the daemon falls back to HTTP.
 */
final class RecordingRegistry implements AutoCloseable {

    enum Challenge { BASIC, BEARER }

    /** One request: its request line, its headers as sent, and its body. */
    record Recorded(String requestLine, List<String> headers, String body) {
        String authorization() {
            for (String h : headers) {
                if (h.toLowerCase(Locale.ROOT).startsWith("authorization:")) {
                    return h.substring(h.indexOf(':') + 1).strip();
                }
            }
            return null;
        }

        String all() {
            return requestLine + "\n" + String.join("\n", headers) + "\n\n" + body;
        }
    }

    private final ServerSocket server;
    private final Challenge challenge;
    private final Thread acceptor;
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    volatile int tlsAttempts;

    RecordingRegistry(Challenge challenge) throws IOException {
        this.challenge = challenge;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = Thread.ofPlatform().daemon().name("recording-registry").start(this::acceptLoop);
    }

    /** {@code 127.0.0.1:PORT}, the registry host of an image on it. */
    String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Every byte recorded, as text: what a credential check searches. */
    String everything() {
        StringBuilder b = new StringBuilder();
        requests.forEach(r -> b.append(r.all()).append("\n----\n"));
        return b.toString();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> handle(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setSoTimeout(30_000);
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return;
                }
                if (first == 0x16) { // a TLS ClientHello: answered as a plain HTTP server does, so that the
                    tlsAttempts++;   // client sees "not TLS" (not a dropped connection) and falls back to HTTP
                    out.write("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                String requestLine = (char) first + readLine(in);
                List<String> headers = new java.util.ArrayList<>();
                int length = 0;
                for (String h; !(h = readLine(in)).isEmpty(); ) {
                    headers.add(h);
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(h.indexOf(':') + 1).strip());
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                requests.add(new Recorded(requestLine, List.copyOf(headers), body));
                String reply = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}";
                String head = "HTTP/1.1 401 Unauthorized\r\n"
                        + "Content-Type: application/json\r\n"
                        + "Docker-Distribution-Api-Version: registry/2.0\r\n"
                        + "WWW-Authenticate: " + challengeHeader() + "\r\n"
                        + "Content-Length: " + reply.length() + "\r\n\r\n";
                // a reply to HEAD has no body: one sent anyway would be read as the next reply on a kept connection
                out.write((requestLine.startsWith("HEAD ") ? head : head + reply).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the daemon went away: what it sent is recorded
        }
    }

    private String challengeHeader() {
        return challenge == Challenge.BASIC ? "Basic realm=\"recording\""
                : "Bearer realm=\"http://" + host() + "/token\",service=\"recording\"";
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
