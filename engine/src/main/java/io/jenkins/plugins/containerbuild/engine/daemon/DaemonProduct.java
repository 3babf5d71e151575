package io.jenkins.plugins.containerbuild.engine.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * What serves the Docker API on an endpoint, as its {@code GET /version} says: Docker Engine, or Podman (whose
 * component list names a "Podman Engine"). Podman answers the same API but builds every Dockerfile with Buildah,
 * has no BuildKit session and does not treat loopback registries as insecure; the engine adapts to that.
 *
 * @param version the product's version, {@code "unknown"} when the daemon did not say
 */
public record DaemonProduct(Kind kind, String version) {

    /** The component of {@code /version} by which Podman is recognised. */
    static final String PODMAN_COMPONENT = "Podman Engine";

    public enum Kind { DOCKER, PODMAN }

    public DaemonProduct {
        Objects.requireNonNull(kind, "kind");
        version = version == null || version.isBlank() ? "unknown" : version;
    }

    /** A Docker daemon whose version is not known (its {@code /version} could not be read). */
    static DaemonProduct unknownDocker() {
        return new DaemonProduct(Kind.DOCKER, null);
    }

    /** Reads a {@code /version} reply: Podman when a component is named "Podman Engine", Docker otherwise. */
    static DaemonProduct fromVersion(JsonNode version) {
        for (JsonNode component : version.path("Components")) {
            if (PODMAN_COMPONENT.equals(component.path("Name").asText())) {
                return new DaemonProduct(Kind.PODMAN, component.path("Version").asText(null));
            }
        }
        return new DaemonProduct(Kind.DOCKER, version.path("Version").asText(null));
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
