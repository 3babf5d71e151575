package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Docker API's credential headers, as the daemon decodes them: base64url (RFC 4648 section 5, padded) of a JSON
 * {@code AuthConfig} ({@code username}, {@code password}, {@code serveraddress}, or {@code identitytoken}).
 * {@code X-Registry-Auth} carries one for a push; {@code X-Registry-Config} carries a map of them, keyed by registry,
 * for the pulls of a classic build. The daemon ignores a header it cannot decode, so the format is kept exact.
 */
final class RegistryAuthHeaders {

    /** The key and server address the daemon looks Docker Hub's credentials up by. */
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    private RegistryAuthHeaders() {}

    /** {@code X-Registry-Auth}: the credentials for one registry host; {@code {}} when there are none. */
    static String registryAuth(String host, RegistryCredentials credentials) {
        return encode(credentials == null ? Map.of() : authConfig(host, credentials));
    }

    /**
     * {@code X-Registry-Config}: the credentials by registry, for exactly the hosts given. The daemon looks an
     * image's registry up by {@code host[:port]}, and Docker Hub by {@value #DOCKER_HUB_KEY} alone.
     */
    static String registryConfig(Map<String, RegistryCredentials> byHost) {
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        byHost.forEach((host, c) -> configs.put(key(host), authConfig(host, c)));
        return encode(configs);
    }

    private static String key(String host) {
        String h = RegistryHost.normalize(host);
        return h.equals(RegistryHost.DOCKER_HUB) ? DOCKER_HUB_KEY : h;
    }

    private static Map<String, String> authConfig(String host, RegistryCredentials c) {
        Map<String, String> auth = new LinkedHashMap<>();
        if (c.identityToken() != null) {
            auth.put("identitytoken", c.identityToken());
        } else {
            auth.put("username", c.username());
            auth.put("password", c.password());
        }
        auth.put("serveraddress", key(host));
        return auth;
    }

    private static String encode(Object json) {
        return Base64.getUrlEncoder().encodeToString(Json.write(json).getBytes(StandardCharsets.UTF_8));
    }
}
