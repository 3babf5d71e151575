package io.jenkins.plugins.containerbuild;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import java.io.Serial;
import java.io.Serializable;

/**
 * A registry user name and password on their way from the controller to the agent, inside the push callable
 * only. {@link #toString()} never shows the password.
 */
final class RegistryLogin implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String username;
    private final String password;

    RegistryLogin(String username, String password) {
        this.username = username;
        this.password = password;
    }

    String password() {
        return password;
    }

    /** The engine's credentials; made on the agent. */
    RegistryCredentials toEngine() {
        return new RegistryCredentials(username, password);
    }

    @Override
    public String toString() {
        return "RegistryLogin[" + username + ", ****]";
    }
}
