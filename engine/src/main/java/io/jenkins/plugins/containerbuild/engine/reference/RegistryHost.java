package io.jenkins.plugins.containerbuild.engine.reference;

import java.util.Locale;

/**
 * A registry's host as credentials are keyed by it: {@code host[:port]}, lower case, without scheme or path. Docker
 * Hub answers to several names ({@code docker.io}, {@code index.docker.io}, {@code registry-1.docker.io}, and the
 * legacy {@code https://index.docker.io/v1/} of config files); they all become {@link #DOCKER_HUB}.
 */
public final class RegistryHost {

    public static final String DOCKER_HUB = "docker.io";

    private RegistryHost() {}

    /**
     * Normalises a registry given as a host, a {@code host:port} or a URL ({@code https://registry.example.com/v2/}).
     *
     * @throws IllegalArgumentException when nothing that can be a host is left
     */
    public static String normalize(String registry) {
        if (registry == null || registry.isBlank()) {
            throw new IllegalArgumentException("Registry is empty: give a host such as registry.example.com:5000 or a"
                    + " URL such as https://registry.example.com.");
        }
        String h = registry.strip();
        int scheme = h.indexOf("://");
        if (scheme >= 0) {
            h = h.substring(scheme + 3);
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        h = h.toLowerCase(Locale.ROOT);
        if (h.isEmpty() || !h.matches("[a-z0-9.\\-_\\[\\]:]+")) {
            throw new IllegalArgumentException("Registry '" + registry + "' is not a host name: give a host such as"
                    + " registry.example.com:5000 or a URL such as https://registry.example.com.");
        }
        return switch (h) {
            case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> DOCKER_HUB;
            default -> h;
        };
    }

    /**
     * True for the registries a Docker daemon reaches over plain HTTP without being told to: {@code localhost} and
     * IPv4 literals in 127.0.0.0/8, with or without a port. No name is resolved.
     */
    public static boolean isLoopback(String registry) {
        String h = normalize(registry);
        if (h.startsWith("[")) {
            return false; // IPv6 literals: ::1 is not among the daemon's default insecure registries
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return h.equals("localhost") || h.matches("127(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    }
}
