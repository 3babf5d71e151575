package io.jenkins.plugins.containerbuild.engine;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * What a registry accepts as a login: a username and password, or an identity token (an OAuth refresh token, as
 * {@code docker login} stores for some registries). Sent to the daemon only in the {@code X-Registry-Auth} header of
 * a push, the {@code X-Registry-Config} header of a classic build, or to the BuildKit session's auth service for the
 * host it belongs to; {@link #toString()} never shows the password or token.
 */
public final class RegistryCredentials implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String username;
    private final String password;
    private final String identityToken;

    public RegistryCredentials(String username, String password) {
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("Registry username is empty: give the user name the registry expects.");
        }
        this.username = username;
        this.password = Objects.requireNonNull(password, "password");
        this.identityToken = null;
    }

    private RegistryCredentials(String identityToken) {
        this.username = "";
        this.password = "";
        this.identityToken = identityToken;
    }

    /** Credentials that are an identity token. */
    public static RegistryCredentials ofIdentityToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("Registry identity token is empty: give the token the registry issued.");
        }
        return new RegistryCredentials(token);
    }

    /** The username; empty for an identity token. */
    public String username() {
        return username;
    }

    /** The secret itself: pass it on to the daemon, never to a log or event. Empty for an identity token. */
    public String password() {
        return password;
    }

    /** The identity token, or null when these are a username and password. */
    public String identityToken() {
        return identityToken;
    }

    @Override
    public String toString() {
        return identityToken != null ? "RegistryCredentials[identity token ****]"
                : "RegistryCredentials[" + username + ", ****]";
    }
}
