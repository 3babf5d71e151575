package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine speaks the daemon's own API version when it knows it (1.41 on Engine 20.10, 1.45 on 26.1), its newest
 * (1.47) to a newer daemon, and refuses a daemon older than 1.40 with an error that says what to do.
 */
class ApiVersionNegotiationTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore")
    void eachLabDaemonIsSpokenToInItsOwnVersion(Lab.Daemon daemon) throws Exception {
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String expected = daemon.engine26() ? "1.45" : "1.41";
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p
                    && p.message().endsWith("(API " + expected + ")"));
            assertThat(engine.inspect(Lab.get().baseImage())).as("a call in that version works").isPresent();
        }
    }

    @ParameterizedTest(name = "daemon {0} -> {1}")
    @CsvSource({"1.40, 1.40", "1.44, 1.44", "1.47, 1.47", "1.48, 1.47", "1.52, 1.47"})
    void theAgreedVersionIsTheOlderOfBoth(String daemonVersion, String agreed) throws Exception {
        try (PingOnly ping = new PingOnly(daemonVersion)) {
            RecordingSink events = new RecordingSink();
            try (ContainerEngine engine = ContainerEngine.connect(ping.endpoint(), events)) {
                assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p
                        && p.message().endsWith("(API " + agreed + ")"));
            }
        }
    }

    @ParameterizedTest(name = "daemon {0}")
    @CsvSource({"1.39", "1.24", "1.12"})
    void aDaemonOlderThan140IsRefusedWithWhatToDo(String daemonVersion) throws Exception {
        try (PingOnly ping = new PingOnly(daemonVersion)) {
            Throwable error = catchThrowable(() -> ContainerEngine.connect(ping.endpoint(), new RecordingSink()).close());
            assertThat(error).isInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("speaks Docker API " + daemonVersion)
                    .hasMessageContaining("older than 1.40")
                    .hasMessageContaining("upgrade it");
            FaultCheck.assertOneClearError(error);
        }
    }

    /** A loopback server that answers only {@code /_ping}, with the given {@code Api-Version}. */
    private static final class PingOnly implements AutoCloseable {
        private final HttpServer server;

        PingOnly(String version) throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
            server.createContext("/", exchange -> {
                byte[] body = (exchange.getRequestURI().getPath().endsWith("/_ping") ? "OK" : "not here")
                        .getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().add("Api-Version", version);
                exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/_ping") ? 200 : 404,
                        body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        DaemonEndpoint endpoint() {
            return new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + server.getAddress().getPort()), null, false);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
