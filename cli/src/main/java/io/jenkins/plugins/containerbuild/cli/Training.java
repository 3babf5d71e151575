package io.jenkins.plugins.containerbuild.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training run for the JVM's start-up cache, not a command: {@code bin/containerbuild} runs this class once
 * after building the CLI, under {@code -XX:AOTCacheOutput} (JDK 25) or {@code -XX:ArchiveClassesAtExit} (JDK 21
 * to 24), and the JVM keeps the classes it loaded, already linked, for every later start. It runs the CLI's
 * commands in-process the way users do (help, a usage error, a BuildKit build through a session, a classic build,
 * a push) against a
 * stand-in daemon on a temporary unix socket that answers in the shapes the Docker API uses, so that no daemon is
 * needed and nothing is built anywhere. What the commands print is thrown away (shown with CONTAINERBUILD_DEBUG
 * set); the launcher ignores a failed training.
 */
final class Training {

    /** The run is cut short (and no cache is written) if it takes longer than this. */
    private static final long WATCHDOG_MILLIS = 120_000;

    private static final String IMAGE_ID = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String DIGEST = "sha256:" + "fedcba9876543210".repeat(4);

    private Training() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(WATCHDOG_MILLIS);
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException done) {
                // finished in time
            }
        }, "containerbuild-training-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Path dir = Files.createTempDirectory("containerbuild-training");
        int failures = 0;
        try (FakeDaemon daemon = FakeDaemon.start(dir.resolve("docker.sock"))) {
            Path context = Files.createDirectories(dir.resolve("context"));
            Files.writeString(context.resolve("Dockerfile"), "FROM busybox:local\nCOPY . /ctx/\nRUN echo x > /built\n");
            Files.writeString(context.resolve(".dockerignore"), "*.tmp\n");
            Files.writeString(context.resolve("data.txt"), "training\n");
            Files.writeString(context.resolve("skip.tmp"), "ignored\n");
            Map<String, String> env = Map.of("DOCKER_HOST", "unix://" + daemon.socket());
            String ctx = context.toString();
            failures += expect(0, run(env, dir, "", "--help"));
            failures += expect(0, run(env, dir, "", "build", "--help"));
            failures += expect(2, run(env, dir, "", "build", "--context", ctx, "--tag", "UPPER/x"));
            failures += expect(0, run(env, dir, "", "build", "--context", ctx, "--tag", "training/app:1",
                    "--build-arg", "A=1", "--label", "l=v", "--network", "none", "--json"));
            failures += expect(0, run(env, dir, "", "build", "--context", ctx, "--tag", "training/app:1",
                    "--builder", "classic", "--network", "none"));
            failures += expect(0, run(env, dir, "secret\n", "push", "--tag", "localhost:5000/training/app:1",
                    "--username", "u", "--password-stdin", "--json"));
        } finally {
            deleteTree(dir);
            watchdog.interrupt();
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Runs one command line; its output is shown only with CONTAINERBUILD_DEBUG set, as the launcher's notes. */
    private static int run(Map<String, String> env, Path cwd, String stdin, String... args) {
        PrintStream sink = System.getenv("CONTAINERBUILD_DEBUG") != null ? System.err
                : new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        return ContainerBuildCli.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                sink, sink, env, cwd);
    }

    private static int expect(int wanted, int status) {
        if (status != wanted) {
            System.err.println("training: a command ended with " + status + " instead of " + wanted);
            return 1;
        }
        return 0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Answers the Docker API calls of the training commands on a unix socket, one thread per connection. */
    private static final class FakeDaemon implements AutoCloseable {

        private final Path socket;
        private final ServerSocketChannel server;

        private FakeDaemon(Path socket, ServerSocketChannel server) {
            this.socket = socket;
            this.server = server;
        }

        static FakeDaemon start(Path socket) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            FakeDaemon daemon = new FakeDaemon(socket, server);
            Thread acceptor = new Thread(daemon::acceptLoop, "containerbuild-training-daemon");
            acceptor.setDaemon(true);
            acceptor.start();
            return daemon;
        }

        Path socket() {
            return socket;
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(socket);
        }

        private void acceptLoop() {
            while (server.isOpen()) {
                try {
                    SocketChannel connection = server.accept();
                    Thread t = new Thread(() -> serve(connection), "containerbuild-training-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        /** HTTP/1.1 with keep-alive: requests until the client closes. */
        private void serve(SocketChannel connection) {
            try (connection; InputStream in = Channels.newInputStream(connection);
                 OutputStream out = Channels.newOutputStream(connection)) {
                while (true) {
                    List<String> head = readHead(in);
                    if (head.isEmpty()) {
                        return;
                    }
                    String[] requestLine = head.get(0).split(" ");
                    readBody(in, head);
                    if (requestLine[1].matches("(/v[0-9.]+)?/session")) {
                        String id = header(head, "X-Docker-Expose-Session-Uuid");
                        out.write(("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        try {
                            SessionClient.fetchContext(in, out);
                        } finally {
                            sessionDone(id).countDown();
                        }
                        in.transferTo(OutputStream.nullOutputStream()); // until the CLI ends the session
                        return;
                    }
                    if (requestLine[1].contains("session=")) {
                        // answer the build once the session has served the context, as a daemon does
                        String id = requestLine[1].replaceFirst(".*[?&]session=([^&]*).*", "$1");
                        sessionDone(id).await(10, java.util.concurrent.TimeUnit.SECONDS);
                    }
                    respond(out, requestLine[0], requestLine[1]);
                }
            } catch (IOException | RuntimeException gone) {
                // the client went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private final Map<String, java.util.concurrent.CountDownLatch> sessions =
                new java.util.concurrent.ConcurrentHashMap<>();

        private java.util.concurrent.CountDownLatch sessionDone(String id) {
            return sessions.computeIfAbsent(String.valueOf(id), k -> new java.util.concurrent.CountDownLatch(1));
        }

        private static List<String> readHead(InputStream in) throws IOException {
            List<String> lines = new java.util.ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.ISO_8859_1).strip();
                    line.reset();
                    if (s.isEmpty()) {
                        return lines;
                    }
                    lines.add(s);
                } else {
                    line.write(b);
                }
            }
            return List.of();
        }

        private static String header(List<String> head, String name) {
            for (String h : head.subList(1, head.size())) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return h.substring(colon + 1).trim();
                }
            }
            return null;
        }

        private static void readBody(InputStream in, List<String> head) throws IOException {
            String length = header(head, "Content-Length");
            if (length != null) {
                in.readNBytes(Integer.parseInt(length));
            } else if ("chunked".equalsIgnoreCase(header(head, "Transfer-Encoding"))) {
                while (true) {
                    String size = readLine(in);
                    int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                    in.readNBytes(n);
                    readLine(in); // the CRLF after the chunk (or the end of the trailers)
                    if (n == 0) {
                        return;
                    }
                }
            }
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        private static void respond(OutputStream out, String method, String target) throws IOException {
            String path = target.replaceFirst("^/v[0-9.]+/", "/");
            int status = 200;
            String body;
            if (path.startsWith("/_ping")) {
                body = "OK";
            } else if (method.equals("POST") && path.startsWith("/build") && path.contains("version=2")) {
                body = buildkitStream();
            } else if (method.equals("POST") && path.startsWith("/build")) {
                body = classicStream();
            } else if (path.endsWith("/history")) {
                body = "[{\"CreatedBy\":\"RUN echo x > /built\",\"Size\":2},{\"CreatedBy\":\"COPY . /ctx/\",\"Size\":9}]";
            } else if (path.startsWith("/images/") && path.endsWith("/json")) {
                body = "{\"Id\":\"" + IMAGE_ID + "\",\"RepoTags\":[\"training/app:1\"],\"Size\":1984232}";
            } else if (method.equals("POST") && path.startsWith("/images/") && path.contains("/push")) {
                body = "{\"status\":\"The push refers to repository [localhost:5000/training/app]\"}\n"
                        + "{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"0123456789ab\"}\n"
                        + "{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"0123456789ab\"}\n"
                        + "{\"status\":\"1: digest: " + DIGEST + " size: 527\"}\n"
                        + "{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\",\"Digest\":\"" + DIGEST + "\",\"Size\":527}}\n";
            } else {
                status = 404;
                body = "{\"message\":\"not found in training\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\n"
                    + "Api-Version: 1.41\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        }

        private static String classicStream() {
            return "{\"stream\":\"Step 1/3 : FROM busybox:local\"}\n{\"stream\":\"\\n\"}\n"
                    + "{\"stream\":\" ---\\u003e 0123456789ab\\n\"}\n"
                    + "{\"stream\":\"Step 2/3 : COPY . /ctx/\\n\"}\n{\"stream\":\" ---\\u003e Using cache\\n\"}\n"
                    + "{\"stream\":\" ---\\u003e 123456789abc\\n\"}\n"
                    + "{\"stream\":\"Step 3/3 : RUN echo x \\u003e /built\\n\"}\n"
                    + "{\"stream\":\" ---\\u003e Running in 23456789abcd\\n\"}\n"
                    + "{\"stream\":\"x\\n\"}\n"
                    + "{\"stream\":\"Removing intermediate container 23456789abcd\\n\"}\n"
                    + "{\"stream\":\" ---\\u003e 3456789abcde\\n\"}\n"
                    + "{\"aux\":{\"ID\":\"" + IMAGE_ID + "\"}}\n"
                    + "{\"stream\":\"Successfully built 3456789abcde\\n\"}\n"
                    + "{\"stream\":\"Successfully tagged training/app:1\\n\"}\n";
        }

        private static String buildkitStream() {
            String v1 = "sha256:" + "1".repeat(64);
            String v2 = "sha256:" + "2".repeat(64);
            StringBuilder s = new StringBuilder();
            s.append(trace(new Proto().message(1, new Proto().string(1, v1).string(3, "[1/2] FROM docker.io/library/busybox:local")
                    .message(5, timestamp(1)))));
            s.append(trace(new Proto()
                    .message(1, new Proto().string(1, v1).string(3, "[1/2] FROM docker.io/library/busybox:local")
                            .varint(4, 1).message(5, timestamp(1)).message(6, timestamp(2)))
                    .message(1, new Proto().string(1, v2).string(2, v1).string(3, "[2/2] RUN echo x > /built")
                            .message(5, timestamp(2)))
                    .message(2, new Proto().string(1, "transferring").string(2, v2).string(3, "transferring")
                            .varint(4, 10).varint(5, 20).message(6, timestamp(2)))
                    .message(3, new Proto().string(1, v2).message(2, timestamp(2)).varint(3, 1).bytes(4, "x\n"))));
            s.append(trace(new Proto().message(1, new Proto().string(1, v2).string(2, v1)
                    .string(3, "[2/2] RUN echo x > /built").message(5, timestamp(2)).message(6, timestamp(3)))));
            s.append("{\"id\":\"moby.image.id\",\"aux\":{\"ID\":\"").append(IMAGE_ID).append("\"}}\n");
            return s.toString();
        }

        private static String trace(Proto status) {
            return "{\"id\":\"moby.buildkit.trace\",\"aux\":\""
                    + Base64.getEncoder().encodeToString(status.toByteArray()) + "\"}\n";
        }

        private static Proto timestamp(long seconds) {
            return new Proto().varint(1, 1_700_000_000L + seconds).varint(2, 1000);
        }
    }

    /** Writes the few protobuf shapes a BuildKit status message needs. */
    /**
     * The daemon's side of a BuildKit session, as little of it as makes the CLI serve one file sync and one health
     * check over HTTP/2: so that the start-up cache holds the session's classes too.
     */
    private static final class SessionClient {
        private static final int DATA = 0;
        private static final int HEADERS = 1;
        private static final int SETTINGS = 4;
        private static final int PING = 6;

        static void fetchContext(InputStream in, OutputStream out) throws IOException {
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(out, SETTINGS, 0, 0, new byte[0]);
            io.jenkins.plugins.containerbuild.engine.session.Hpack.Encoder encoder =
                    new io.jenkins.plugins.containerbuild.engine.session.Hpack.Encoder();
            frame(out, HEADERS, 0x4, 1, encoder.encode(call("/moby.filesync.v1.FileSync/DiffCopy", "context")));
            frame(out, HEADERS, 0x4, 3, encoder.encode(call("/grpc.health.v1.Health/Check", null)));
            frame(out, DATA, 0x1, 3, new byte[5]); // an empty HealthCheckRequest, the end of the request
            out.flush();
            io.jenkins.plugins.containerbuild.engine.session.Hpack.Decoder decoder =
                    new io.jenkins.plugins.containerbuild.engine.session.Hpack.Decoder(4096);
            ByteArrayOutputStream stream1 = new ByteArrayOutputStream();
            boolean finSent = false;
            int ended = 0;
            byte[] head = new byte[9];
            while (ended < 2 && in.readNBytes(head, 0, 9) == 9) {
                int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                int type = head[3];
                int flags = head[4];
                int streamId = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8)
                        | (head[8] & 0xff);
                byte[] payload = in.readNBytes(length);
                if (type == SETTINGS && (flags & 1) == 0) {
                    frame(out, SETTINGS, 1, 0, new byte[0]);
                } else if (type == PING && (flags & 1) == 0) {
                    frame(out, PING, 1, 0, payload);
                } else if (type == HEADERS) {
                    decoder.decode(payload);
                    if ((flags & 1) != 0) {
                        ended++;
                    }
                } else if (type == DATA && streamId == 1 && !finSent) {
                    stream1.write(payload);
                    byte[] b = stream1.toByteArray();
                    // gRPC messages: the empty one is the end of the walk, answered with FIN (type 3)
                    for (int off = 0; off + 5 <= b.length; ) {
                        int n = ((b[off + 1] & 0xff) << 24) | ((b[off + 2] & 0xff) << 16)
                                | ((b[off + 3] & 0xff) << 8) | (b[off + 4] & 0xff);
                        if (n == 0) {
                            // ask for two files (ids in walk order: .dockerignore, Dockerfile, data.txt), then FIN
                            frame(out, DATA, 0, 1, new byte[] {0, 0, 0, 0, 4, 0x08, 0x01, 0x18, 0x01,
                                0, 0, 0, 0, 4, 0x08, 0x01, 0x18, 0x02});
                            frame(out, DATA, 0x1, 1, new byte[] {0, 0, 0, 0, 2, 0x08, 0x03});
                            finSent = true;
                            break;
                        }
                        off += 5 + n;
                    }
                }
                out.flush();
            }
        }

        private static List<io.jenkins.plugins.containerbuild.engine.session.Hpack.Header> call(String path,
                                                                                                String dir) {
            List<io.jenkins.plugins.containerbuild.engine.session.Hpack.Header> h = new java.util.ArrayList<>(List.of(
                    header(":method", "POST"), header(":scheme", "http"), header(":path", path),
                    header(":authority", "localhost"), header("content-type", "application/grpc"),
                    header("te", "trailers")));
            if (dir != null) {
                h.add(header("dir-name", dir));
                h.add(header("exclude-patterns", "*.tmp"));
            }
            return h;
        }

        private static io.jenkins.plugins.containerbuild.engine.session.Hpack.Header header(String n, String v) {
            return new io.jenkins.plugins.containerbuild.engine.session.Hpack.Header(n, v);
        }

        private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload)
                throws IOException {
            out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
                    (byte) payload.length, (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16),
                    (byte) (stream >>> 8), (byte) stream});
            out.write(payload);
        }
    }

    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            writeVarint(field << 3);
            writeVarint(value);
            return this;
        }

        Proto bytes(int field, String value) {
            return raw(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto string(int field, String value) {
            return bytes(field, value);
        }

        Proto message(int field, Proto value) {
            return raw(field, value.toByteArray());
        }

        private Proto raw(int field, byte[] value) {
            writeVarint(field << 3 | 2);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        private void writeVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
