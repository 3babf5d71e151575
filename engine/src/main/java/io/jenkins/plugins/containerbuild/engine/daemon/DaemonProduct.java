package io.jenkins.plugins.containerbuild.engine.daemon;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What serves the Docker API on an endpoint: Docker Engine, or Podman, which answers the same API but builds every
 * Dockerfile with Buildah, has no BuildKit session and does not treat loopback registries as insecure; the engine
 * adapts to that.
 *
 * <p>Podman is told apart by its {@code /_ping} reply, whose headers carry {@code Libpod-Api-Version} (Podman's own
 * version, which its {@code /version} also reports as the component "Podman Engine") and {@code Server: Libpod/...};
 * Docker Engine's say {@code Server: Docker/VERSION}. The ping is made anyway; {@code /version} would cost a request
 * more, and on Podman 4.3 a slow one (0.3 to 1 s measured: it asks the package manager about conmon and the OCI
 * runtime).
 *
 * @param version the product's version, {@code "unknown"} when the daemon did not say
 */
public record DaemonProduct(Kind kind, String version) {

    public enum Kind { DOCKER, PODMAN }

    private static final Pattern SERVER = Pattern.compile("(Docker|Libpod)/(\\S+).*");

    public DaemonProduct {
        Objects.requireNonNull(kind, "kind");
        version = version == null || version.isBlank() ? "unknown" : version.strip();
    }

    /** Reads the headers of a {@code /_ping} reply. */
    static DaemonProduct fromPing(Map<String, List<String>> headers) {
        String libpod = DaemonConnection.header(headers, "Libpod-Api-Version");
        Matcher server = SERVER.matcher(Objects.toString(DaemonConnection.header(headers, "Server"), "").strip());
        boolean named = server.matches();
        if (libpod != null || named && server.group(1).equals("Libpod")) {
            return new DaemonProduct(Kind.PODMAN, libpod != null ? libpod : server.group(2));
        }
        return new DaemonProduct(Kind.DOCKER, named ? server.group(2) : null);
    }

    public boolean podman() {
        return kind == Kind.PODMAN;
    }

    /** For the log: {@code Podman 4.3.1, builds with Buildah} or {@code Docker Engine 20.10.24}. */
    @Override
    public String toString() {
        return podman() ? "Podman " + version + ", builds with Buildah" : "Docker Engine " + version;
    }
}
