package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flood, in a JVM whose heap is 64 MiB: a peer sends 1 GiB of DATA on a stream nobody reads, ignoring
 * every window. The session server must stop it with FLOW_CONTROL_ERROR after about one window, not buffer it until
 * the heap runs out (which once took a CLI to 1.7 GiB, and with -Xmx256m to an OutOfMemoryError).
 */
@Timeout(300)
class FloodInSmallHeapTest {

    private static final long FLOOD = 1L << 30;

    @Test
    void aGibibyteOnAStreamNobodyReadsEndsInAFlowControlErrorNotInMemory(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("h2.sock");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), FloodedServer.class.getName(),
                socket.toString())
                .redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getInputStream().readAllBytes());
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        long sent = 0;
        try {
            try (SocketChannel ch = connect(socket, child, output)) {
                OutputStream out = Channels.newOutputStream(ch);
                out.write(Http2Server.PREFACE);
                RawH2Peer.writeFrame(out, Http2Server.SETTINGS, 0, 0, new byte[0]);
                RawH2Peer.writeFrame(out, Http2Server.HEADERS, Http2Server.FLAG_END_HEADERS, 1, new Hpack.Encoder().encode(List.of(
                        new Hpack.Header(":method", "POST"), new Hpack.Header(":path", "/never.Read/Me"))));
                byte[] chunk = new byte[16_384];
                try {
                    while (sent < FLOOD) {
                        RawH2Peer.writeFrame(out, Http2Server.DATA, 0, 1, chunk);
                        sent += chunk.length;
                    }
                } catch (IOException e) {
                    // the server closed the connection: the flood was stopped
                }
            }
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child ends").isTrue();
            String out = output.get(30, TimeUnit.SECONDS);
            assertThat(out).as("the child's output").contains("ENDED").contains("FLOW_CONTROL_ERROR")
                    .doesNotContain("OutOfMemoryError");
            assertThat(sent).as("bytes the peer sent before it was stopped").isLessThan(64L << 20);
        } finally {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Connects once the child listens: its socket file appears at bind, a moment before it accepts. */
    private static SocketChannel connect(Path socket, Process child, CompletableFuture<String> output)
            throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            assertThat(child.isAlive()).as("the child JVM runs: %s", output.getNow("")).isTrue();
            if (Files.exists(socket)) {
                try {
                    return SocketChannel.open(UnixDomainSocketAddress.of(socket));
                } catch (java.net.ConnectException e) {
                    // not listening yet
                }
            }
            assertThat(System.nanoTime()).as("the child listens on its socket").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /** Serves one connection on the socket of its argument, with a service that never reads; prints how it ended. */
    static final class FloodedServer {
        public static void main(String[] args) {
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(Path.of(args[0])));
                try (SocketChannel ch = server.accept()) {
                    new Http2Server(Channels.newInputStream(ch), Channels.newOutputStream(ch), s -> {
                        try {
                            Thread.sleep(Long.MAX_VALUE); // never reads
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }).serve();
                    System.out.println("ENDED without an error");
                }
            } catch (Throwable e) {
                System.out.println("ENDED " + e);
            }
            System.exit(0);
        }
    }
}
