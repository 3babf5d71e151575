package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "TLS with verification off still checks the daemon's host name against its certificate" (README, docs/security.md).
 * A small TLS server that answers {@code /_ping} as a daemon does, once with a certificate made for {@code localhost}
 * (the control: verification off connects) and once with one made for another name: then neither the engine's HTTP
 * client nor its raw socket (the one BuildKit sessions use) gets through, and no request reaches the server.
 */
@Timeout(120)
class TlsHostNameTest {

    @TempDir
    Path dir;

    private final TlsMaterial clientOnly = unverified(Lab.get().clientTls());

    private static TlsMaterial unverified(TlsMaterial t) {
        return new TlsMaterial(t.caPem(), t.certPem(), t.keyPem(), false);
    }

    @Test
    void aCertificateForTheRightNameConnectsWithVerificationOff() throws Exception {
        try (PingServer server = new PingServer(keyStore("localhost", "dns:localhost,ip:127.0.0.1"))) {
            DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://localhost:" + server.port()),
                    clientOnly, false);
            try (DaemonConnection c = DaemonConnection.open(endpoint, Timeouts.defaults())) {
                assertThat(c.apiVersion().toString()).isEqualTo("1.41");
            }
            try (RawDaemonSocket raw = RawDaemonSocket.connect(endpoint, new PemSslConfig(clientOnly).getSSLContext(),
                    Duration.ofSeconds(10), Duration.ofSeconds(10))) {
                assertThat(raw.in()).isNotNull();
            }
            assertThat(server.requests).contains("GET /_ping");
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedWithVerificationOff() throws Exception {
        try (PingServer server = new PingServer(keyStore("other.example", "dns:other.example"))) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://" + host + ":" + server.port()),
                        clientOnly, false);
                Throwable http = catchThrowable(() -> DaemonConnection.open(endpoint, Timeouts.defaults()).close());
                assertThat(http).as("the HTTP client to %s", host).isInstanceOf(ContainerEngineException.class);
                Throwable raw = catchThrowable(() -> RawDaemonSocket.connect(endpoint,
                        new PemSslConfig(clientOnly).getSSLContext(), Duration.ofSeconds(10), Duration.ofSeconds(10))
                        .close());
                assertThat(raw).as("the raw socket to %s", host).isInstanceOf(SSLException.class);
            }
            assertThat(server.handshakes).as("the server did see the attempts").isPositive();
            assertThat(server.requests).as("nothing was sent over a connection to the wrong name").isEmpty();
        }
    }

    /** A PKCS12 key store with a self-signed server certificate for {@code cn} with these subject names. */
    private Path keyStore(String cn, String san) throws Exception {
        Path ks = dir.resolve(cn + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + cn, "-ext", "SAN=" + san)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(ks).isRegularFile();
        return ks;
    }

    /** Answers every request with a daemon's {@code /_ping} reply; keeps the request lines it got. */
    private static final class PingServer implements AutoCloseable {
        final List<String> requests = new CopyOnWriteArrayList<>();
        volatile int handshakes;
        private final SSLServerSocket server;

        PingServer(Path keyStore) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                ks.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::serve, "ping-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> answer(s), "ping-server-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void answer(Socket s) {
            try (s) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                handshakes++;
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    String line = head.substring(0, head.indexOf("\r\n"));
                    requests.add(line.substring(0, line.lastIndexOf(' ')));
                    out.write(("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: 2\r\n\r\nOK").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // the client refused the certificate, or went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                    return b.toString();
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
