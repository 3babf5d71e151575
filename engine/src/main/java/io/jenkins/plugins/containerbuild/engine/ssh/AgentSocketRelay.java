package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An SSH agent already running on this machine (such as the one at {@code $SSH_AUTH_SOCK}), reached through its unix
 * socket. Only the requests to list identities and to sign are passed on; every other one (add, remove, lock,
 * extensions) gets a failure without reaching the agent, as BuildKit's own provider keeps a forwarded agent
 * read-only.
 */
public final class AgentSocketRelay implements AgentSource {

    private final Path socket;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public AgentSocketRelay(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    @Override
    public Connection connect() throws IOException {
        if (closed) {
            throw new IOException("the build has ended");
        }
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        open.add(channel);
        if (closed) { // closed meanwhile: close() may have missed this channel
            close(channel);
            throw new IOException("the build has ended");
        }
        return new Connection() {
            @Override
            public byte[] answer(byte[] request) throws IOException {
                if (request.length == 0 || (request[0] != AgentProtocol.REQUEST_IDENTITIES
                        && request[0] != AgentProtocol.SIGN_REQUEST)) {
                    return AgentProtocol.failure();
                }
                write(channel, AgentProtocol.frame(request));
                byte[] head = read(channel, 4);
                int length = AgentProtocol.length(head, 0);
                if (length <= 0 || length > AgentProtocol.MAX_MESSAGE) {
                    throw new IOException("the SSH agent at " + socket + " sent a reply of "
                            + Integer.toUnsignedString(length) + " bytes");
                }
                return read(channel, length);
            }

            @Override
            public void close() {
                AgentSocketRelay.this.close(channel);
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        open.forEach(this::close);
    }

    private void close(SocketChannel channel) {
        open.remove(channel);
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private byte[] read(SocketChannel channel, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("the SSH agent at " + socket + " closed the connection");
            }
        }
        return b.array();
    }
}
