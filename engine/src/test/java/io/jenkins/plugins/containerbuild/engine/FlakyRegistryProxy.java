package io.jenkins.plugins.containerbuild.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of a real registry that answers 503 to the first {@code failures} manifest
 * uploads and forwards everything else. Only the manifest PUT fails, so the daemon's own per-layer retries (tens of
 * seconds) do not come into play and the engine's retry is what is tested.
 */
final class FlakyRegistryProxy implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "upgrade", "keep-alive", "expect");

    private final HttpServer server;
    private final ServerSocket front;
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String upstream;
    private final AtomicInteger failuresLeft;
    final AtomicInteger manifestPuts = new AtomicInteger();
    /** Blob uploads being slowed or forwarded now. */
    final AtomicInteger blobUploadsInFlight = new AtomicInteger();

    private volatile long blobUploadDelayMillis;

    /** Makes every blob upload wait this long before it is forwarded: a slow registry. */
    FlakyRegistryProxy slowBlobUploads(long millis) {
        this.blobUploadDelayMillis = millis;
        return this;
    }

    FlakyRegistryProxy(String upstreamHostPort, int failures) throws IOException {
        this.upstream = "http://" + upstreamHostPort.replace("localhost", "127.0.0.1");
        this.failuresLeft = new AtomicInteger(failures);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
        front = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("flaky-registry-front").start(this::acceptLoop);
    }

    /**
     * The daemon first tries TLS on an insecure registry and falls back to HTTP when the handshake fails. The JDK's
     * HTTP server would wait for a request line that never comes, so every push attempt would wait for the
     * daemon's 10 s handshake timeout: this front answers a TLS ClientHello with an HTTP 400 at once and relays
     * everything else.
     */
    private void acceptLoop() {
        while (!front.isClosed()) {
            try {
                Socket client = front.accept();
                Thread.ofPlatform().daemon().start(() -> relay(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket client) {
        try (client; Socket backend = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
            InputStream in = client.getInputStream();
            int first = in.read();
            if (first < 0) {
                return;
            }
            if (first == 0x16) { // 0x16: a TLS handshake record
                // answer as a plain HTTP server does: the containerd image store falls back to HTTP only when the
                // TLS handshake meets an HTTP reply (a bare close reads as EOF, which it does not retry over HTTP)
                client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            backend.getOutputStream().write(first);
            Thread up = Thread.ofPlatform().daemon().start(() -> pump(in, backend));
            pump(backend.getInputStream(), client);
            up.join();
        } catch (IOException | InterruptedException e) {
            // a connection the daemon dropped
        }
    }

    private static void pump(InputStream from, Socket to) {
        try {
            from.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // the other side closed
        }
    }

    /** {@code localhost:PORT}, which the daemon treats as an insecure (plain HTTP) registry. */
    String address() {
        return "localhost:" + front.getLocalPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() != null ? "?" + ex.getRequestURI().getRawQuery() : "");
            byte[] body = ex.getRequestBody().readAllBytes();
            if ("PUT".equals(method) && path.contains("/manifests/")) {
                manifestPuts.incrementAndGet();
                if (failuresLeft.getAndDecrement() > 0) {
                    ex.sendResponseHeaders(503, -1);
                    return;
                }
            }
            boolean upload = path.contains("/blobs/uploads/") && !"POST".equals(method);
            if (upload) {
                blobUploadsInFlight.incrementAndGet();
            }
            try {
                if (upload && blobUploadDelayMillis > 0) {
                    Thread.sleep(blobUploadDelayMillis);
                }
                forward(ex, method, path, body);
            } finally {
                if (upload) {
                    blobUploadsInFlight.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(HttpExchange ex, String method, String path, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder out = HttpRequest.newBuilder(URI.create(upstream + path))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                for (String v : h.getValue()) {
                    out.header(h.getKey(), v);
                }
            }
        }
        HttpResponse<InputStream> r = client.send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
        r.headers().map().forEach((k, vs) -> {
            if (!HOP_BY_HOP.contains(k.toLowerCase(java.util.Locale.ROOT)) && !k.startsWith(":")) {
                String value = String.join(",", vs);
                if (k.equalsIgnoreCase("location")) {
                    value = value.replace(upstream, "http://" + address());
                }
                ex.getResponseHeaders().add(k, value);
            }
        });
        byte[] reply;
        try (InputStream in = r.body()) {
            reply = in.readAllBytes();
        }
        boolean noBody = "HEAD".equals(method) || r.statusCode() == 204 || r.statusCode() == 304;
        if ("HEAD".equals(method)) {
            // the daemon insists on the blob's length in a HEAD reply
            r.headers().firstValue("content-length").ifPresent(v -> ex.getResponseHeaders().set("Content-Length", v));
        }
        ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : (reply.length == 0 ? -1 : reply.length));
        if (!noBody && reply.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(reply);
            }
        }
    }

    @Override
    public void close() {
        try {
            front.close();
        } catch (IOException ignored) {
            // closing a listening socket
        }
        server.stop(0);
    }
}
