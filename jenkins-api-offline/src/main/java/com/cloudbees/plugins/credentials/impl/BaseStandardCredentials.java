package com.cloudbees.plugins.credentials.impl;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardCredentials;

/** Stand-in: base class of standard credentials implementations. */
public abstract class BaseStandardCredentials implements StandardCredentials {
    public BaseStandardCredentials(String id, String description) {}

    public String getId() {
        throw new UnsupportedOperationException();
    }

    public CredentialsScope getScope() {
        throw new UnsupportedOperationException();
    }
}
