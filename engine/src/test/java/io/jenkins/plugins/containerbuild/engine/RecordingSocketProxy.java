package io.jenkins.plugins.containerbuild.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unix socket of the test's own in front of a daemon's unix socket: forwards bytes both ways unchanged and keeps
 * every byte the client sent, per connection, so that a test can read exactly what went to the daemon.
 */
final class RecordingSocketProxy implements AutoCloseable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final List<ByteArrayOutputStream> sent = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final ThreadGroup threads = new ThreadGroup("recording-proxy");

    RecordingSocketProxy(Path socket, Path daemon) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread accept = new Thread(threads, () -> {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(daemon));
                    open.add(client);
                    open.add(upstream);
                    ByteArrayOutputStream record = new ByteArrayOutputStream();
                    sent.add(record);
                    pump(client, upstream, record);
                    pump(upstream, client, null);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }, "recording-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    Path socket() {
        return socket;
    }

    /** Everything clients sent, connection after connection (ISO-8859-1, so every byte is one char). */
    String sentText() {
        StringBuilder b = new StringBuilder();
        for (ByteArrayOutputStream r : sent) {
            synchronized (r) {
                b.append(r.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return b.toString();
    }

    int connections() {
        return sent.size();
    }

    private void pump(SocketChannel from, SocketChannel to, ByteArrayOutputStream record) {
        Thread t = new Thread(threads, () -> {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    if (record != null) {
                        synchronized (record) {
                            record.write(buf.array(), 0, buf.limit());
                        }
                    }
                    while (buf.hasRemaining()) {
                        to.write(buf);
                    }
                    buf.clear();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(to);
                closeQuietly(from);
            }
        }, "recording-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(RecordingSocketProxy::closeQuietly);
        Files.deleteIfExists(socket);
    }
}
