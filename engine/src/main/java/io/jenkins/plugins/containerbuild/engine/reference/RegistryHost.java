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
}
