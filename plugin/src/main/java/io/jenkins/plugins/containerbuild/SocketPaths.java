package io.jenkins.plugins.containerbuild;

/** The one rule for writing a unix socket in step arguments. */
final class SocketPaths {

    private SocketPaths() {}

    /** {@code null} gives the default socket; {@code unix:///p} gives {@code /p}; an absolute path stays. */
    static String normalise(String socket) {
        if (socket == null) {
            return DoodDaemon.DEFAULT_SOCKET;
        }
        String path = socket.startsWith("unix://") ? socket.substring("unix://".length()) : socket;
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Socket '" + socket
                    + "' is not an absolute path: write /var/run/docker.sock or unix:///var/run/docker.sock.");
        }
        return path;
    }
}
