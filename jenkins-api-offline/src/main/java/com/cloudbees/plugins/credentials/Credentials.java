package com.cloudbees.plugins.credentials;

/** Stand-in: any credentials. */
public interface Credentials {
    CredentialsScope getScope();
}
