package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;

/** Serves an {@link AgentSource} on a unix socket, so that the machine's ssh-add and ssh-keygen can use it. */
final class AgentSocketServer implements AutoCloseable {

    private final ServerSocketChannel server;
    private final Thread acceptor;

    AgentSocketServer(AgentSource agent, Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    Thread.ofVirtual().start(() -> serve(agent, client));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    private static void serve(AgentSource agent, SocketChannel client) {
        try (client; AgentSource.Connection c = agent.connect()) {
            AgentProtocol.Reassembler requests = new AgentProtocol.Reassembler();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (client.read(buf) >= 0) {
                for (byte[] request : requests.add(Arrays.copyOf(buf.array(), buf.position()))) {
                    ByteBuffer reply = ByteBuffer.wrap(AgentProtocol.frame(c.answer(request)));
                    while (reply.hasRemaining()) {
                        client.write(reply);
                    }
                }
                buf.clear();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join();
    }
}
