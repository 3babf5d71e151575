package com.cloudbees.plugins.credentials;

import java.io.Serializable;

/** Stand-in: selects credentials. */
public interface CredentialsMatcher extends Serializable {
    boolean matches(Credentials item);
}
