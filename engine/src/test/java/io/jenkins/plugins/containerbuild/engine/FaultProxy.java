package io.jenkins.plugins.containerbuild.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy that injects faults at the socket level, in front of a registry or a daemon's unix socket. It
 * forwards bytes unchanged, spots the HTTP request lines going through, and applies rules to them: reset the
 * connection (SO_LINGER 0, so the client sees "connection reset by peer"), hold the request for a while before
 * forwarding it (a slow server; a request whose client went away meanwhile is dropped, never forwarded), or run
 * an action first (kill the server behind). It can also reset every open connection at once, and stop and resume
 * listening (the port then refuses connections, as a server that is down).
 */
final class FaultProxy implements AutoCloseable {

    private static final Pattern REQUEST_LINE =
            Pattern.compile("(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\\S+) HTTP/1\\.[01]\r\n");

    /** What a rule does to a matching request. */
    sealed interface Fault {
        /** Resets the client's connection instead of forwarding the request. */
        record Reset() implements Fault {}

        /** Forwards the request only after this long, if the client still waits for it. */
        record Hold(Duration time) implements Fault {}

        /** Runs the action, then forwards the request. */
        record Before(Runnable action) implements Fault {}

        /**
         * Forwards nothing and stops reading what the client sends, so that its writes block once the socket
         * buffers are full (a daemon that does not read the upload), until {@link FaultProxy#releaseStalled()};
         * then reads to the end of the client's stream and drops the request.
         */
        record Stall() implements Fault {}
    }

    private record Rule(Predicate<String> requestLine, Fault fault, AtomicInteger timesLeft) {}

    private final SocketAddress upstream;
    private final int port;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    /** Every request line seen, in order ("PUT /v2/x/manifests/1"). */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Requests the proxy forwarded after a rule matched (held, or after an action). */
    final List<String> forwardedAfterFault = new CopyOnWriteArrayList<>();
    /** Held requests dropped because their client closed the connection before the hold was over. */
    final List<String> droppedHeld = new CopyOnWriteArrayList<>();
    /** Stalled requests whose client closed the connection (or reset it) rather than finish sending. */
    final List<String> stalledClosedByClient = new CopyOnWriteArrayList<>();
    /** Requests now stalled. */
    final List<String> stalled = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    /** Connections reset by a rule or by {@link #resetAll()}. */
    final AtomicInteger resets = new AtomicInteger();

    private FaultProxy(SocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = listener.getLocalPort();
        acceptOn(listener);
    }

    /** A proxy to {@code host:port} on loopback. */
    static FaultProxy toTcp(int upstreamPort) throws IOException {
        return new FaultProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort));
    }

    /** A proxy to a daemon's unix socket: plain HTTP on a loopback port in front of it. */
    static FaultProxy toUnixSocket(Path socket) throws IOException {
        return new FaultProxy(UnixDomainSocketAddress.of(socket));
    }

    int port() {
        return port;
    }

    /** Applies {@code fault} to the next {@code times} requests whose request line matches. */
    FaultProxy on(Predicate<String> requestLine, int times, Fault fault) {
        rules.add(new Rule(requestLine, fault, new AtomicInteger(times)));
        return this;
    }

    static Predicate<String> manifestPut() {
        return line -> line.startsWith("PUT ") && line.contains("/manifests/");
    }

    static Predicate<String> anyRequest() {
        return line -> true;
    }

    /** Resets every connection open now. */
    void resetAll() {
        for (Socket s : open) {
            if (!s.isClosed()) {
                resets.incrementAndGet();
                reset(s);
            }
        }
    }

    /** Stops accepting: the port refuses connections, as when nothing listens there. Open connections stay. */
    synchronized void stopListening() throws IOException {
        listener.close();
    }

    /** Listens again on the same port. */
    synchronized void listenAgain() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        listener = s;
        acceptOn(s);
    }

    private void acceptOn(ServerSocket server) {
        Thread.ofPlatform().daemon().name("fault-proxy-" + port).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    open.add(client);
                    Thread.ofPlatform().daemon().name("fault-proxy-conn").start(() -> serve(client));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    private void serve(Socket client) {
        SocketChannel server;
        try {
            server = SocketChannel.open(upstream instanceof UnixDomainSocketAddress
                    ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
            server.connect(upstream);
        } catch (IOException e) {
            reset(client); // the server behind is down: the client sees its connection cut
            return;
        }
        try (server) {
            Thread down = Thread.ofPlatform().daemon().name("fault-proxy-down").start(() -> downstream(server, client));
            upstream(client, server);
            down.join();
        } catch (InterruptedException | IOException e) {
            // the connection ends
        } finally {
            open.remove(client);
            closeQuietly(client);
        }
    }

    /** Client to server: spots request lines and applies the rules. */
    private void upstream(Socket client, SocketChannel server) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = client.getInputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                byte[] chunk = java.util.Arrays.copyOf(buf, n);
                Matcher m = REQUEST_LINE.matcher(new String(chunk, StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    String line = m.group(1) + " " + m.group(2);
                    requests.add(line);
                    Fault fault = matchingFault(line);
                    if (fault instanceof Fault.Reset) {
                        resets.incrementAndGet();
                        reset(client);
                        closeQuietly(server);
                        return;
                    }
                    if (fault instanceof Fault.Hold hold) {
                        chunk = hold(client, chunk, hold.time());
                        if (chunk == null) {
                            droppedHeld.add(line);
                            closeQuietly(server);
                            return;
                        }
                    }
                    if (fault instanceof Fault.Stall) {
                        stall(client, line);
                        closeQuietly(server);
                        return;
                    }
                    if (fault instanceof Fault.Before before) {
                        before.action().run();
                    }
                    if (fault != null) {
                        forwardedAfterFault.add(line);
                    }
                }
                ByteBuffer b = ByteBuffer.wrap(chunk);
                while (b.hasRemaining()) {
                    server.write(b);
                }
            }
            server.shutdownOutput();
        } catch (IOException e) {
            // a reset on either side: make the other side see it too
            reset(client);
            closeQuietly(server);
        }
    }

    /** Lets stalled requests go on: their connections are read to the end and dropped. */
    void releaseStalled() {
        release.countDown();
    }

    private void stall(Socket client, String line) {
        stalled.add(line);
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // the request was sent with chunked encoding: a client that finished would end with the last chunk
        byte[] buf = new byte[64 * 1024];
        byte[] tail = new byte[5];
        int tailLength = 0;
        try {
            InputStream in = client.getInputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = Math.max(0, n - 5); i < n; i++) {
                    if (tailLength == 5) {
                        System.arraycopy(tail, 1, tail, 0, 4);
                        tailLength = 4;
                    }
                    tail[tailLength++] = buf[i];
                }
            }
        } catch (IOException reset) {
            stalledClosedByClient.add(line);
            return;
        }
        if (!new String(tail, 0, tailLength, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n")) {
            stalledClosedByClient.add(line);
        }
    }

    /** Keeps reading what the client sends for {@code time}; null when it closed the connection meanwhile. */
    private static byte[] hold(Socket client, byte[] first, Duration time) throws IOException {
        java.io.ByteArrayOutputStream held = new java.io.ByteArrayOutputStream();
        held.write(first);
        long end = System.nanoTime() + time.toNanos();
        byte[] buf = new byte[64 * 1024];
        int previousTimeout = client.getSoTimeout();
        try {
            while (true) {
                long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return held.toByteArray();
                }
                client.setSoTimeout((int) left);
                int n;
                try {
                    n = client.getInputStream().read(buf);
                } catch (SocketTimeoutException e) {
                    return held.toByteArray();
                } catch (IOException e) {
                    return null; // reset by the client
                }
                if (n < 0) {
                    return null; // the client gave up
                }
                held.write(buf, 0, n);
            }
        } finally {
            if (!client.isClosed()) {
                client.setSoTimeout(previousTimeout);
            }
        }
    }

    /** Server to client, unchanged; a reset from the server is passed on as a reset. */
    private void downstream(SocketChannel server, Socket client) {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            OutputStream out = client.getOutputStream();
            while (server.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            client.shutdownOutput();
        } catch (IOException e) {
            reset(client);
        }
    }

    private Fault matchingFault(String line) {
        for (Rule r : rules) {
            if (r.requestLine().test(line) && r.timesLeft().getAndUpdate(t -> Math.max(0, t - 1)) > 0) {
                return r.fault();
            }
        }
        return null;
    }

    private void reset(Socket s) {
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // close with RST
                s.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public synchronized void close() throws IOException {
        release.countDown();
        listener.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
