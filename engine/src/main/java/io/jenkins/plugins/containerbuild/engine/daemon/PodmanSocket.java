package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where Podman's API service listens, found as Podman's own tools find it: {@code CONTAINER_HOST}; else, for a user
 * other than root (rootless Podman), {@code $XDG_RUNTIME_DIR/podman/podman.sock}; else
 * {@code /run/podman/podman.sock}, the socket of root's service. The environment is passed in, never read
 * implicitly.
 */
public final class PodmanSocket {

    /** The socket of root's Podman service ({@code systemctl enable --now podman.socket}). */
    public static final Path ROOT_SOCKET = Path.of("/run/podman/podman.sock");

    private PodmanSocket() {}

    /**
     * The endpoint for {@code env}. A rootless user's socket is taken when it exists, else root's when that exists;
     * when neither does, the one Podman's tools would use for this user, so that the connection error names it.
     *
     * @param root whether the process runs as root (see {@link #runningAsRoot()})
     * @throws IllegalArgumentException when {@code CONTAINER_HOST} is not a {@code unix://} or {@code tcp://} address
     */
    public static DaemonEndpoint find(Map<String, String> env, boolean root) {
        String containerHost = env.get("CONTAINER_HOST");
        if (containerHost != null && !containerHost.isBlank()) {
            if (containerHost.strip().startsWith("ssh://")) {
                throw new IllegalArgumentException("CONTAINER_HOST is " + containerHost.strip() + ", an ssh:// connection,"
                        + " which this client does not open: forward Podman's socket (ssh -L /tmp/podman.sock:"
                        + "/run/user/UID/podman/podman.sock HOST) and give unix:///tmp/podman.sock.");
            }
            return DaemonEndpoint.parse(containerHost, null);
        }
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (!root && runtimeDir != null && !runtimeDir.isBlank()) {
            Path rootless = Path.of(runtimeDir, "podman", "podman.sock");
            if (Files.exists(rootless) || !Files.exists(ROOT_SOCKET)) {
                return new DaemonEndpoint.UnixSocket(rootless);
            }
        }
        return new DaemonEndpoint.UnixSocket(ROOT_SOCKET);
    }

    /** What to tell a user whose Podman socket does not answer: how the service is started. */
    public static String howToStart(DaemonEndpoint endpoint) {
        return endpoint instanceof DaemonEndpoint.UnixSocket u && u.socket().equals(ROOT_SOCKET)
                ? "start root's Podman service with systemctl enable --now podman.socket (or podman system service"
                        + " --time=0 &)"
                : "start your Podman service with systemctl --user enable --now podman.socket (or podman system"
                        + " service --time=0 &)";
    }

    /** True when this process runs as root: the owner of {@code /proc/self}, its effective user. */
    public static boolean runningAsRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
