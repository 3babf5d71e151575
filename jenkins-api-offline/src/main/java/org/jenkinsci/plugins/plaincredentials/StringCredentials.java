package org.jenkinsci.plugins.plaincredentials;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.util.Secret;

/** Stand-in: plain-credentials' "Secret text" credentials. */
public interface StringCredentials extends StandardCredentials {
    Secret getSecret();
}
