package com.cloudbees.plugins.credentials.common;

/** Stand-in: a drop-down of standard credentials (mock its construction in tests). */
public class StandardListBoxModel extends AbstractIdCredentialsListBoxModel<StandardListBoxModel, StandardCredentials> {
    private static final long serialVersionUID = 1L;

    @Override
    protected String describe(StandardCredentials c) {
        throw new UnsupportedOperationException();
    }
}
