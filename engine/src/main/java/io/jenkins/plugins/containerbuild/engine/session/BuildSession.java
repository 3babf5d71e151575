package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.Printable;
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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A BuildKit session with the daemon, as the docker CLI opens one for {@code docker build}: the daemon reads the
 * build context and the Dockerfile through it (file sync), asking only for the files that changed since the last
 * build of the same directory, instead of receiving the whole context as a tar with each build. Opened with
 * {@code POST /session}, which the daemon upgrades to HTTP/2; the daemon is the gRPC client and we serve the
 * {@link SessionService}s the build needs (file sync and the health check always; registry credentials, secrets,
 * SSH forwarding and file send when the request has them). Build requests name it with
 * {@code session=ID&remote=client-session}.
 */
public final class BuildSession implements AutoCloseable {

    /** The local directory names the Dockerfile frontend asks for. */
    public static final String CONTEXT = "context";
    public static final String DOCKERFILE = "dockerfile";

    private final String id;
    private final RawDaemonSocket socket;
    private final List<SessionService> services;
    private final Map<String, SessionService> byMethod;
    private final Http2Server h2;
    private final Thread server;
    private final AtomicReference<Throwable> serverFailure = new AtomicReference<>();

    private BuildSession(String id, RawDaemonSocket socket, List<SessionService> services,
                         Map<String, SessionService> byMethod, InputStream in, OutputStream out) {
        this.id = id;
        this.socket = socket;
        this.services = services;
        this.byMethod = byMethod;
        this.h2 = new Http2Server(in, out, this::serve);
        this.server = Thread.ofPlatform().daemon().name("containerbuild-session").start(() -> {
            try {
                h2.serve();
            } catch (IOException | RuntimeException e) {
                serverFailure.compareAndSet(null, e); // read by failure(): a broken session explains a failed build
                if (e instanceof SessionProtocolException) {
                    try { // RFC 9113 Section 5.4.1: after the GOAWAY of a connection error, the connection closes
                        socket.close();
                    } catch (IOException ignored) {
                        // closed either way
                    }
                }
            }
        });
    }

    /**
     * Opens a session offering the given services, and only their methods, to the daemon.
     *
     * @param socket    a new connection to the daemon, closed with the session (or here, when it fails); the
     *                  services are closed with it too
     * @param apiPrefix the daemon's versioned path prefix, {@code /v1.41}
     * @param sharedKey what the daemon keys its cache of earlier transfers by: {@link #sharedKey(Path)}
     * @throws IOException when the daemon does not upgrade the connection
     */
    public static BuildSession open(RawDaemonSocket socket, String apiPrefix, String sharedKey,
                                    List<SessionService> services) throws IOException {
        List<SessionService> all = List.copyOf(services);
        try {
            Map<String, SessionService> byMethod = new LinkedHashMap<>();
            for (SessionService service : all) {
                for (String method : service.methods()) {
                    if (byMethod.putIfAbsent(method, service) != null) {
                        throw new IllegalArgumentException("two session services serve " + method);
                    }
                }
            }
            String id = randomId();
            OutputStream out = new BufferedOutputStream(socket.out(), 64 * 1024);
            InputStream in = new BufferedInputStream(socket.in(), 64 * 1024);
            StringBuilder request = new StringBuilder("POST " + apiPrefix + "/session HTTP/1.1\r\n"
                    + "Host: docker\r\n"
                    + "Upgrade: h2c\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Content-Length: 0\r\n"
                    + "X-Docker-Expose-Session-Uuid: " + id + "\r\n"
                    + "X-Docker-Expose-Session-Name: containerbuild\r\n"
                    + "X-Docker-Expose-Session-Sharedkey: " + sharedKey + "\r\n");
            for (String method : byMethod.keySet()) {
                request.append("X-Docker-Expose-Session-Grpc-Method: ").append(method).append("\r\n");
            }
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readLine(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("the daemon refused a BuildKit session: " + Printable.line(status));
            }
            while (!readLine(in).isEmpty()) {
                // response headers: nothing in them is needed
            }
            socket.upgraded();
            return new BuildSession(id, socket, all, Map.copyOf(byMethod), in, out);
        } catch (IOException | RuntimeException e) {
            RawDaemonSocket.closeAfter(e, socket);
            all.forEach(SessionService::close);
            throw e;
        }
    }

    public String id() {
        return id;
    }

    /** The gRPC methods this session advertised to the daemon, the only ones it answers. */
    public Set<String> methods() {
        return byMethod.keySet();
    }

    /**
     * A local failure while serving the daemon (an unreadable file, a broken session), which explains a failed
     * build; or null.
     */
    public IOException failure() {
        SessionProtocolException protocol = protocolFailure();
        if (protocol != null) { // first: what the services saw after it (a reset call) is only its consequence
            return protocol;
        }
        for (SessionService s : services) {
            IOException f = s.failure();
            if (f != null) {
                return f;
            }
        }
        Throwable broken = serverFailure.get();
        if (broken == null) {
            return null;
        }
        return broken instanceof IOException io ? io
                : new IOException("the BuildKit session failed: " + broken, broken);
    }

    /**
     * How the daemon first broke the session's protocol, if it did (the connection was ended then, or the call that
     * did it): the reason a build failed, whatever the daemon says next. Null while the daemon plays by the rules.
     */
    public SessionProtocolException protocolFailure() {
        return h2.protocolFailure();
    }

    private void serve(Http2Stream call) {
        SessionService service = byMethod.get(call.path());
        try {
            if (service == null) {
                call.finish(Http2Stream.UNIMPLEMENTED, "method " + Printable.line(call.path())
                        + " is not offered by this session");
            } else {
                service.serve(call);
            }
        } catch (IOException | RuntimeException e) {
            try {
                call.finish(e instanceof SessionProtocolException ? Http2Stream.RESOURCE_EXHAUSTED
                        : Http2Stream.UNKNOWN, String.valueOf(e.getMessage()));
            } catch (IOException | RuntimeException ignored) {
                call.cancel();
            }
        }
    }

    /** Ends the session: the daemon sees the connection close, and every service forgets what it held. */
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
        } finally {
            services.forEach(SessionService::close);
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
    public static String sharedKey(Path directory) {
        String host = "";
        try {
            host = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            // another system: the path alone keys the transfer
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((host + ":" + directory).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
