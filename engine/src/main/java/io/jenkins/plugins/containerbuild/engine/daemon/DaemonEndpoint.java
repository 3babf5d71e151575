package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** Where the Docker daemon is: the local socket (DooD), a TCP address with TLS, or a DinD sidecar. */
public sealed interface DaemonEndpoint extends Serializable {

    Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    /** The agent's own daemon through its unix socket. */
    record UnixSocket(Path socket) implements DaemonEndpoint {
        @Serial
        private static final long serialVersionUID = 1L;

        public UnixSocket {
            Objects.requireNonNull(socket, "socket");
        }

        @Override
        public String toString() {
            return "unix://" + socket;
        }
    }

    /**
     * A daemon over TCP. With {@code tls} null the connection is plain HTTP, allowed only to a loopback address
     * unless {@code allowPlainRemote} says otherwise.
     */
    record Tcp(URI uri, TlsMaterial tls, boolean allowPlainRemote) implements DaemonEndpoint {
        @Serial
        private static final long serialVersionUID = 1L;

        public Tcp {
            Objects.requireNonNull(uri, "uri");
            if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("Daemon address '" + uri
                        + "' is not a TCP address: write it as tcp://HOST:PORT.");
            }
            if (tls == null && !allowPlainRemote && !isLoopback(uri.getHost())) {
                throw new IllegalArgumentException("Daemon address " + uri + " is not loopback and has no TLS:"
                        + " give a CA, client certificate and key, or allow plain TCP explicitly.");
            }
        }

        @Override
        public String toString() {
            return uri + (tls != null ? " (TLS)" : "");
        }
    }

    /** A sidecar daemon started from {@code options.image()} on the daemon {@code host} names, removed afterwards. */
    record Dind(DaemonEndpoint host, DindOptions options) implements DaemonEndpoint {
        @Serial
        private static final long serialVersionUID = 1L;

        public Dind {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(options, "options");
            if (host instanceof Dind) {
                throw new IllegalArgumentException("A DinD sidecar cannot be started inside another DinD sidecar:"
                        + " name the unix socket or TCP daemon it should run on.");
            }
        }

        @Override
        public String toString() {
            return "DinD " + options.image() + " on " + host;
        }
    }

    static DaemonEndpoint unixSocket(Path socket) {
        return new UnixSocket(socket);
    }

    /**
     * Parses a daemon URI as the docker CLI accepts it: {@code unix:///path} or {@code tcp://host:port}.
     * A TCP address gets {@code tls} when given.
     */
    static DaemonEndpoint parse(String uri, TlsMaterial tls) {
        URI u;
        try {
            u = URI.create(uri.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Daemon address '" + uri
                    + "' is not a URI: write unix:///var/run/docker.sock or tcp://HOST:PORT.", e);
        }
        if ("unix".equals(u.getScheme()) && u.getPath() != null && !u.getPath().isEmpty()) {
            if (tls != null) {
                throw new IllegalArgumentException("TLS options were given for the unix socket " + uri
                        + ": TLS applies to tcp:// addresses only.");
            }
            return new UnixSocket(Path.of(u.getPath()));
        }
        if ("tcp".equals(u.getScheme())) {
            return new Tcp(u, tls, false);
        }
        throw new IllegalArgumentException("Daemon address '" + uri
                + "' is not supported: write unix:///var/run/docker.sock or tcp://HOST:PORT.");
    }

    /**
     * The daemon the docker CLI would use with these environment variables: {@code DOCKER_HOST},
     * {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH} (default {@code ~/.docker}). The map is passed in,
     * never read implicitly.
     */
    static DaemonEndpoint fromEnvironment(Map<String, String> env) throws IOException {
        String host = env.get("DOCKER_HOST");
        if (host == null || host.isBlank()) {
            return new UnixSocket(DEFAULT_SOCKET);
        }
        TlsMaterial tls = null;
        boolean verify = isSet(env.get("DOCKER_TLS_VERIFY"));
        if (host.startsWith("tcp://") && (verify || env.containsKey("DOCKER_CERT_PATH"))) {
            String certPath = env.get("DOCKER_CERT_PATH");
            Path dir = certPath != null && !certPath.isBlank()
                    ? Path.of(certPath)
                    : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker");
            tls = TlsMaterial.fromDirectory(dir, verify);
        }
        return parse(host, tls);
    }

    private static boolean isSet(String v) {
        return v != null && !v.isEmpty() && !"0".equals(v) && !"false".equalsIgnoreCase(v);
    }

    /** True for localhost and literal loopback addresses; never resolves other names. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if ("localhost".equalsIgnoreCase(h)) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
