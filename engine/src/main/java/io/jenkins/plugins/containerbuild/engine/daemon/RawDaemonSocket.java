package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A plain byte stream to the daemon, for the one request that leaves HTTP/1.1 behind: {@code POST /session},
 * which the daemon upgrades to HTTP/2 for a BuildKit session. Unix socket, TCP, or TCP with the endpoint's TLS
 * client certificate (and its server verification, host name included).
 */
public final class RawDaemonSocket implements Closeable {

    private final InputStream in;
    private final OutputStream out;
    private final Closeable resource;

    private final Socket timedSocket; // a TCP socket whose reads time out until the upgrade; null for a unix socket

    private RawDaemonSocket(InputStream in, OutputStream out, Closeable resource, Socket timedSocket) {
        this.in = in;
        this.out = out;
        this.resource = resource;
        this.timedSocket = timedSocket;
    }

    /** The daemon upgraded the connection: from now on it may stay silent as long as the build runs. */
    public void upgraded() throws IOException {
        if (timedSocket != null) {
            timedSocket.setSoTimeout(0);
        }
    }

    /** Closes {@code resource} after {@code failure}, keeping what closing it threw as a suppressed exception. */
    public static void closeAfter(Throwable failure, Closeable resource) {
        try {
            resource.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Connects to a unix socket or TCP endpoint; a DinD endpoint must be resolved to its sidecar's first. A TLS
     * endpoint needs {@code tls}, the connection's context made from the endpoint's PEM material. On TCP, reads
     * time out after {@code upgradeTimeout} until {@link #upgraded()}.
     */
    static RawDaemonSocket connect(DaemonEndpoint endpoint, SSLContext tls, Duration timeout, Duration upgradeTimeout)
            throws IOException {
        switch (endpoint) {
            case DaemonEndpoint.UnixSocket u -> {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(u.socket()));
                } catch (IOException | RuntimeException e) {
                    closeAfter(e, ch);
                    throw e;
                }
                return over(ch);
            }
            case DaemonEndpoint.Tcp t -> {
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress(t.uri().getHost(), t.uri().getPort()),
                            (int) timeout.toMillis());
                    socket.setTcpNoDelay(true);
                    // a daemon that takes the connection and says nothing must not hold the build: reads time
                    // out until the upgrade is done (see upgraded())
                    socket.setSoTimeout((int) upgradeTimeout.toMillis());
                    if (t.tls() != null) {
                        SSLSocket secured = (SSLSocket) tls.getSocketFactory()
                                .createSocket(socket, t.uri().getHost(), t.uri().getPort(), true);
                        SSLParameters params = secured.getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        secured.setSSLParameters(params);
                        socket = secured;
                        secured.startHandshake();
                    }
                    return new RawDaemonSocket(socket.getInputStream(), socket.getOutputStream(), socket, socket);
                } catch (IOException | RuntimeException e) {
                    closeAfter(e, socket);
                    throw e;
                }
            }
            case DaemonEndpoint.Dind d -> throw new IllegalArgumentException("connect to the DinD sidecar: " + d);
        }
    }

    /**
     * A raw stream over a connected unix socket channel (either end), closed with it. Reads and writes go straight to
     * the channel, which allows one reader and one writer at a time.
     */
    public static RawDaemonSocket over(SocketChannel ch) {
        return new RawDaemonSocket(new ChannelIn(ch), new ChannelOut(ch), ch, null);
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    @Override
    public void close() throws IOException {
        resource.close();
    }

    private static final class ChannelIn extends InputStream {
        private final SocketChannel ch;

        ChannelIn(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return len == 0 ? 0 : ch.read(ByteBuffer.wrap(b, off, len));
        }
    }

    private static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }
}
