package io.jenkins.plugins.containerbuild;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A registry that is slow to take layers: a loopback TCP proxy in front of a lab registry that forwards bytes
 * unchanged, except that it sits on every blob upload ({@code PATCH .../blobs/uploads/...}) for {@code hold}
 * before passing it on. Closing it ends the holds and cuts every connection. (The engine's FaultProxy does more,
 * but is package-private to the engine's tests.)
 */
final class SlowRegistryProxy implements AutoCloseable {

    private final int upstreamPort;
    private final Duration hold;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);

    /** The blob uploads held so far ("PATCH /v2/x/blobs/uploads/..."). */
    final List<String> held = new CopyOnWriteArrayList<>();

    SlowRegistryProxy(String upstream, Duration hold) throws IOException {
        this.upstreamPort = Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1));
        this.hold = hold;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("slow-registry-" + port()).start(this::accept);
    }

    /** The registry address the daemon is to push to. */
    String address() {
        return "localhost:" + port();
    }

    private int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                open.add(client);
                open.add(server);
                Thread.ofPlatform().daemon().name("slow-registry-up").start(() -> pump(client, server, true));
                Thread.ofPlatform().daemon().name("slow-registry-down").start(() -> pump(server, client, false));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean request) {
        byte[] buf = new byte[64 * 1024];
        try (from) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (request) {
                    String start = new String(buf, 0, Math.min(n, 1024), StandardCharsets.ISO_8859_1);
                    String[] words = start.split("[ ?\r\n]", 3); // method, path without query, the rest
                    String line = words.length < 2 ? "" : words[0] + " " + words[1];
                    if (line.startsWith("PATCH ") && line.contains("/blobs/uploads/")) {
                        held.add(line);
                        if (closed.await(hold.toMillis(), TimeUnit.MILLISECONDS)) {
                            return;
                        }
                    }
                }
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException | InterruptedException e) {
            closeQuietly(to);
        } finally {
            open.remove(from);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        closeQuietly(listener);
        open.forEach(SlowRegistryProxy::closeQuietly);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
