package org.jenkinsci.plugins.docker.commons.credentials;

import com.cloudbees.plugins.credentials.impl.BaseStandardCredentials;
import hudson.util.Secret;

/** Stand-in: the "X.509 Client Certificate" credentials of docker-commons (mock it in tests). */
public class DockerServerCredentials extends BaseStandardCredentials {
    private DockerServerCredentials() {
        super(null, null);
    }

    public Secret getClientKeySecret() {
        throw new UnsupportedOperationException();
    }

    public String getClientCertificate() {
        throw new UnsupportedOperationException();
    }

    public String getServerCaCertificate() {
        throw new UnsupportedOperationException();
    }
}
