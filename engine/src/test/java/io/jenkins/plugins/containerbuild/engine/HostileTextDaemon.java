package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A daemon of the test's own ({@link SessionPlayingDaemon}) that puts a forged line and terminal escapes
 * ({@link #PAYLOAD}) into every string it supplies. During a build it asks the session's auth service for
 * credentials for {@link #HOST}, then answers with BuildKit progress whose step name, output, sub-task, warning and
 * error carry the payload, and ends the build with an error line that carries it too (or, for a tag containing
 * {@code succeed}, with an image id that does). A push of a tag {@code ok} gets hostile layer statuses and a digest
 * with the payload; any other tag a registry refusal with it. Public for the CLI's and the plugin's tests, which
 * check what they print of it with {@link #assertPrintable}.
 */
public final class HostileTextDaemon implements AutoCloseable {

    /** A line the CLI prints after a push, naming a digest nobody pushed. */
    public static final String FORGED = "==> Pushed localhost:5000/forged:1 sha256:" + "f0".repeat(32);

    /** What every string of this daemon carries: a line break before {@link #FORGED}, then terminal escapes. */
    public static final String PAYLOAD = "\n" + FORGED + "\u001b[2J\r\u009b31m\u0007";

    /** The registry host the daemon asks credentials for. */
    public static final String HOST = "evil.example.com" + PAYLOAD;

    private static final String VERTEX = "sha256:" + "ab".repeat(32);
    private static final String CHILD = "sha256:" + "cd".repeat(32);

    private final SessionPlayingDaemon daemon;

    /** Listens on {@code socket} until closed. */
    public HostileTextDaemon(Path socket) throws Exception {
        daemon = new SessionPlayingDaemon(socket, (session, methods) -> {
            if (methods.contains("/moby.filesync.v1.Auth/Credentials")) {
                GrpcTestClient.Call call = session.open("/moby.filesync.v1.Auth/Credentials", List.of());
                call.send(new ProtoWriter().string(1, HOST).toByteArray());
                call.halfClose();
                while (call.read(Duration.ofSeconds(30)) != null) {
                    // the empty answer: no credentials for that host
                }
            }
        }, HostileTextDaemon::reply);
    }

    private static String reply(String requestLine) {
        if (requestLine.matches("POST /v1\\.\\d+/build\\?.*")) {
            String ending = requestLine.contains("succeed")
                    ? line(Map.of("id", "moby.image.id", "aux", Map.of("ID", "sha256:" + "5e".repeat(32) + PAYLOAD)))
                    : line(Map.of("errorDetail", Map.of("message", "failed to solve" + PAYLOAD),
                            "error", "failed to solve" + PAYLOAD));
            return trace(new ProtoWriter()
                    .message(1, vertex(VERTEX, "[1/2] FROM base" + PAYLOAD, false, null))
                    .message(1, vertex(CHILD, "[2/2] RUN make" + PAYLOAD, false, null)))
                    + trace(new ProtoWriter()
                    .message(2, new ProtoWriter().string(1, "layer" + PAYLOAD).string(2, VERTEX)
                            .string(3, "resolve" + PAYLOAD).varint(4, 1).varint(5, 2))
                    .message(3, new ProtoWriter().string(1, CHILD).varint(3, 1)
                            .bytes(4, ("compiling" + PAYLOAD + "\n").getBytes(StandardCharsets.UTF_8)))
                    .message(4, new ProtoWriter().string(1, CHILD).varint(2, 1)
                            .bytes(3, ("deprecated" + PAYLOAD).getBytes(StandardCharsets.UTF_8))))
                    + trace(new ProtoWriter()
                    .message(1, vertex(VERTEX, "[1/2] FROM base" + PAYLOAD, true, null))
                    .message(1, vertex(CHILD, "[2/2] RUN make" + PAYLOAD, true,
                            requestLine.contains("succeed") ? null : "exit code: 2" + PAYLOAD)))
                    + ending;
        }
        if (requestLine.matches("POST /v1\\.\\d+/images/.*/push\\?tag=ok.*")) {
            return line(Map.of("status", "The push refers to repository [x]" + PAYLOAD))
                    + line(Map.of("id", "layer" + PAYLOAD, "status", "Pushing" + PAYLOAD,
                            "progressDetail", Map.of("current", 1, "total", 2)))
                    + line(Map.of("aux", Map.of("Tag", "ok" + PAYLOAD, "Digest", "sha256:" + "d1".repeat(32)
                            + PAYLOAD, "Size", 1)));
        }
        if (requestLine.matches("POST /v1\\.\\d+/images/.*/push\\?.*")) {
            return line(Map.of("errorDetail", Map.of("message", "unauthorized: authentication required" + PAYLOAD),
                    "error", "unauthorized: authentication required" + PAYLOAD));
        }
        return null;
    }

    private static ProtoWriter vertex(String digest, String name, boolean done, String error) {
        ProtoWriter v = new ProtoWriter().string(1, digest).string(3, name)
                .message(5, new ProtoWriter().varint(1, 1_700_000_000L));
        if (done) {
            v.message(6, new ProtoWriter().varint(1, 1_700_000_001L));
        }
        if (error != null) {
            v.string(7, error);
        }
        return v;
    }

    private static String trace(ProtoWriter status) {
        return line(Map.of("id", "moby.buildkit.trace", "aux",
                Base64.getEncoder().encodeToString(status.toByteArray())));
    }

    private static String line(Object json) {
        return Json.write(json) + "\n";
    }

    /**
     * Asserts that {@code printed} (a CLI's stderr or stdout, a build log) holds the daemon's text, none of its
     * control characters (line breaks between lines and tabs aside) and no line that starts with the forged one.
     */
    public static void assertPrintable(String printed) {
        assertThat(printed).as("the daemon's text is shown").contains("==> Pushed localhost:5000/forged:1");
        for (String line : printed.split("\n", -1)) {
            for (char c : line.toCharArray()) {
                assertThat(Printable.isControl(c) && c != '\t')
                        .as("control character U+%04X in the line: %s", (int) c, line).isFalse();
            }
            // a step's own output may say anything, on lines of its own, indented: the build printed it
            assertThat(line).as("a forged line").doesNotStartWith("==> Pushed localhost:5000/forged");
        }
    }

    /** What the daemon's script threw, if anything. */
    public Throwable scriptFailure() {
        return daemon.scriptFailure();
    }

    @Override
    public void close() throws Exception {
        daemon.close();
    }
}
