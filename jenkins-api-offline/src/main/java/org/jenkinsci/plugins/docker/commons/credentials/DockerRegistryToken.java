package org.jenkinsci.plugins.docker.commons.credentials;

import java.io.Serializable;

/**
 * Stand-in: docker-commons' registry token, what {@code AuthenticationTokens} converts registry credentials to (the
 * token is the base64 of {@code user:password}); mock it in tests.
 */
public final class DockerRegistryToken implements Serializable {
    private static final long serialVersionUID = 1L;

    public DockerRegistryToken(String email, String token) {
        throw new UnsupportedOperationException();
    }

    public String getToken() {
        throw new UnsupportedOperationException();
    }
}
