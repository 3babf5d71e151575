package io.jenkins.plugins.containerbuild.engine;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * A username and password for a registry. Sent to the daemon only in the {@code X-Registry-Auth} header of a
 * push; {@link #toString()} never shows the password.
 */
public final class RegistryCredentials implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String username;
    private final String password;

    public RegistryCredentials(String username, String password) {
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("Registry username is empty: give the user name the registry expects.");
        }
        this.username = username;
        this.password = Objects.requireNonNull(password, "password");
    }

    public String username() {
        return username;
    }

    /** The secret itself: pass it on to the daemon, never to a log or event. */
    public String password() {
        return password;
    }

    @Override
    public String toString() {
        return "RegistryCredentials[" + username + ", ****]";
    }
}
