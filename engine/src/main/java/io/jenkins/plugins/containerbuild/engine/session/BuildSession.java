package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.context.SyncedDirectory;
import io.jenkins.plugins.containerbuild.engine.daemon.RawDaemonSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * A BuildKit session with the daemon, as the docker CLI opens one for {@code docker build}: the daemon reads the
 * build context and the Dockerfile through it (file sync), asking only for the files that changed since the last
 * build of the same directory, instead of receiving the whole context as a tar with each build. Opened with
 * {@code POST /session}, which the daemon upgrades to HTTP/2; the daemon is the gRPC client and we serve file sync
 * and the health check it polls. Build requests name it with {@code session=ID&remote=client-session}.
 */
public final class BuildSession implements AutoCloseable {

    /** The local directory names the Dockerfile frontend asks for. */
    public static final String CONTEXT = "context";
    public static final String DOCKERFILE = "dockerfile";

    static final String HEALTH_CHECK = "/grpc.health.v1.Health/Check";

    private final String id;
    private final RawDaemonSocket socket;
    private final FileSyncService fileSync;
    private final Thread server;
    private volatile IOException serverFailure;

    private BuildSession(String id, RawDaemonSocket socket, FileSyncService fileSync, InputStream in,
                         OutputStream out) {
        this.id = id;
        this.socket = socket;
        this.fileSync = fileSync;
        Http2Server h2 = new Http2Server(in, out, this::serve);
        this.server = Thread.ofPlatform().daemon().name("containerbuild-session").start(() -> {
            try {
                h2.serve();
            } catch (IOException e) {
                serverFailure = e;
            }
        });
    }

    /**
     * Opens a session offering the context directory and the directory of the Dockerfile.
     *
     * @param socket    a new connection to the daemon, closed with the session (or here, when it fails)
     * @param apiPrefix the daemon's versioned path prefix, {@code /v1.41}
     * @throws IOException when the daemon does not upgrade the connection
     */
    public static BuildSession open(RawDaemonSocket socket, String apiPrefix, SyncedDirectory context,
                                    SyncedDirectory dockerfileDir) throws IOException {
        String id = randomId();
        try {
            OutputStream out = new BufferedOutputStream(socket.out(), 64 * 1024);
            InputStream in = new BufferedInputStream(socket.in(), 64 * 1024);
            String request = "POST " + apiPrefix + "/session HTTP/1.1\r\n"
                    + "Host: docker\r\n"
                    + "Upgrade: h2c\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Content-Length: 0\r\n"
                    + "X-Docker-Expose-Session-Uuid: " + id + "\r\n"
                    + "X-Docker-Expose-Session-Name: containerbuild\r\n"
                    + "X-Docker-Expose-Session-Sharedkey: " + sharedKey(context) + "\r\n"
                    + "X-Docker-Expose-Session-Grpc-Method: " + FileSyncService.DIFF_COPY + "\r\n"
                    + "X-Docker-Expose-Session-Grpc-Method: " + HEALTH_CHECK + "\r\n"
                    + "\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readLine(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("the daemon refused a BuildKit session: " + status);
            }
            while (!readLine(in).isEmpty()) {
                // response headers: nothing in them is needed
            }
            socket.upgraded();
            return new BuildSession(id, socket,
                    new FileSyncService(Map.of(CONTEXT, context, DOCKERFILE, dockerfileDir)), in, out);
        } catch (IOException | RuntimeException e) {
            RawDaemonSocket.closeAfter(e, socket);
            throw e;
        }
    }

    public String id() {
        return id;
    }

    /** Bytes of file content the daemon asked for and got, over the whole session. */
    public long bytesSent() {
        return fileSync.bytesSent();
    }

    /** A local failure while serving the daemon (an unreadable file), which explains a failed build; or null. */
    public IOException failure() {
        return fileSync.firstFailure();
    }

    private void serve(Http2Stream call) {
        try {
            switch (call.path()) {
                case FileSyncService.DIFF_COPY -> fileSync.diffCopy(call);
                case HEALTH_CHECK -> {
                    call.readMessage();
                    call.sendMessage(new byte[] {0x08, 0x01}); // HealthCheckResponse { status: SERVING }
                    call.finish(0, null);
                }
                default -> call.finish(12, "method " + call.path() + " is not offered by this session");
            }
        } catch (IOException | RuntimeException e) {
            try {
                call.finish(2, String.valueOf(e.getMessage()));
            } catch (IOException | RuntimeException ignored) {
                call.cancel();
            }
        }
    }

    /** Ends the session: the daemon sees the connection close. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
        try {
            server.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("the daemon closed the connection while opening a BuildKit session");
            }
            if (line.size() > 8192) {
                throw new IOException("the daemon's answer to the session request is not HTTP");
            }
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String randomId() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The same directory gets the same key, so that the daemon compares a new transfer with what it kept from the
     * last one and asks only for changed files (the docker CLI keys it the same way, by host and path).
     */
    static String sharedKey(SyncedDirectory context) {
        String host = "";
        try {
            host = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            // another system: the path alone keys the transfer
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((host + ":" + context.root()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
