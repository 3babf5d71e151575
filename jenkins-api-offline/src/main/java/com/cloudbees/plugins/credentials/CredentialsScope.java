package com.cloudbees.plugins.credentials;

import java.io.Serializable;

/** Stand-in: where credentials may be used. */
public enum CredentialsScope implements Serializable {
    SYSTEM,
    GLOBAL,
    USER
}
