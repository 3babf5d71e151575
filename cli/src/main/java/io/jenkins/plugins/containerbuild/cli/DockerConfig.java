package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The registry logins of the docker CLI's {@code config.json} ({@code $DOCKER_CONFIG/config.json}, else
 * {@code ~/.docker/config.json}), read as the docker CLI reads them and never written. For one registry host: the
 * helper {@code credHelpers} names for it; else its {@code auths} entry ({@code identitytoken}, {@code auth} as
 * base64 {@code user:password}, or {@code username} and {@code password}); else the {@code credsStore} helper.
 * Keys are compared as {@link RegistryHost#normalize} makes them, so {@code https://index.docker.io/v1/} is Docker
 * Hub and {@code http://localhost:5001} is {@code localhost:5001}. A missing file holds no logins.
 */
final class DockerConfig {

    /** The address Docker Hub's logins are stored under by {@code docker login}. */
    static final String DOCKER_HUB_ADDRESS = "https://index.docker.io/v1/";

    private final Path file;
    private final Map<String, Object> auths;
    private final Map<String, Object> credHelpers;
    private final String credsStore;
    private final Map<String, String> env;

    private DockerConfig(Path file, Map<String, Object> root, Map<String, String> env) {
        this.file = file;
        this.auths = objectOrEmpty(root.get("auths"));
        this.credHelpers = objectOrEmpty(root.get("credHelpers"));
        this.credsStore = root.get("credsStore") instanceof String s && !s.isEmpty() ? s : null;
        this.env = env;
    }

    /** Where the docker CLI would look: {@code $DOCKER_CONFIG/config.json}, else {@code $HOME/.docker/config.json}. */
    static Path location(Map<String, String> env) {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir, "config.json");
        }
        String home = env.get("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".docker",
                "config.json");
    }

    /**
     * Reads the file; a missing one holds nothing.
     *
     * @throws UsageException when it exists but cannot be read or is not a JSON object
     */
    static DockerConfig load(Map<String, String> env, Options.Command command) throws UsageException {
        Path file = location(env);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new DockerConfig(file, Map.of(), env);
        } catch (IOException e) {
            throw new UsageException("The docker config file " + file + " cannot be read (" + e.getMessage()
                    + "): fix its permissions or point DOCKER_CONFIG at another directory.", command, e);
        }
        try {
            return new DockerConfig(file, JsonTree.object(bytes), env);
        } catch (IOException e) {
            throw new UsageException("The docker config file " + file + " is " + e.getMessage() + ": fix it or point"
                    + " DOCKER_CONFIG at another directory.", command, e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    Path file() {
        return file;
    }

    /**
     * The login for {@code host} (as {@link RegistryHost#normalize} makes it), or empty.
     *
     * @throws UsageException when an entry is malformed or a credential helper fails
     */
    Optional<RegistryCredentials> credentials(String host, Options.Command command)
            throws UsageException, InterruptedException {
        Map.Entry<String, Object> helper = entry(credHelpers, host);
        if (helper != null && helper.getValue() instanceof String name && !name.isEmpty()) {
            return new CredentialHelper(name, "credHelpers[\"" + helper.getKey() + "\"] in " + file)
                    .get(helper.getKey(), env, command);
        }
        Map.Entry<String, Object> auth = entry(auths, host);
        if (auth != null) {
            Optional<RegistryCredentials> inFile = fromAuthsEntry(auth.getKey(), objectOrEmpty(auth.getValue()),
                    command);
            if (inFile.isPresent()) {
                return inFile;
            }
        }
        if (credsStore != null) {
            String address = auth != null ? auth.getKey() : host.equals(RegistryHost.DOCKER_HUB) ? DOCKER_HUB_ADDRESS
                    : host;
            return new CredentialHelper(credsStore, "credsStore in " + file).get(address, env, command);
        }
        return Optional.empty();
    }

    private Optional<RegistryCredentials> fromAuthsEntry(String key, Map<String, Object> entry,
                                                         Options.Command command) throws UsageException {
        if (entry.get("identitytoken") instanceof String token && !token.isEmpty()) {
            return Optional.of(RegistryCredentials.ofIdentityToken(token));
        }
        if (entry.get("auth") instanceof String encoded && !encoded.isEmpty()) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(encoded.strip());
            } catch (IllegalArgumentException e) {
                throw malformed(key, "its auth is not base64", command);
            }
            String pair = new String(decoded, StandardCharsets.UTF_8);
            Arrays.fill(decoded, (byte) 0);
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw malformed(key, "its auth is not base64 of user:password", command);
            }
            String password = pair.substring(colon + 1);
            int end = password.length();
            while (end > 0 && password.charAt(end - 1) == '\0') {
                end--;
            }
            return Optional.of(new RegistryCredentials(pair.substring(0, colon), password.substring(0, end)));
        }
        if (entry.get("username") instanceof String user && !user.isEmpty()) {
            return Optional.of(new RegistryCredentials(user,
                    entry.get("password") instanceof String p ? p : ""));
        }
        return Optional.empty();
    }

    private UsageException malformed(String key, String problem, Options.Command command) {
        return new UsageException("The entry auths[\"" + key + "\"] in " + file + " is malformed: " + problem
                + "; log in again with docker login or fix the file.", command);
    }

    /** The entry whose key names {@code host}: the key as written first, else the first that normalises to it. */
    private static Map.Entry<String, Object> entry(Map<String, Object> map, String host) {
        if (map.containsKey(host)) {
            return Map.entry(host, map.get(host) == null ? "" : map.get(host));
        }
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String normal;
            try {
                normal = RegistryHost.normalize(e.getKey());
            } catch (IllegalArgumentException notAHost) {
                continue;
            }
            if (normal.equals(host) && e.getValue() != null) {
                return e;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> objectOrEmpty(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    }
}
