package com.cloudbees.plugins.credentials;

/** Stand-in: common {@link CredentialsMatcher}s. */
public class CredentialsMatchers {
    public static CredentialsMatcher always() {
        throw new UnsupportedOperationException();
    }

    @SuppressWarnings("rawtypes")
    public static CredentialsMatcher instanceOf(Class clazz) {
        throw new UnsupportedOperationException();
    }

    public static CredentialsMatcher allOf(CredentialsMatcher... matchers) {
        throw new UnsupportedOperationException();
    }

    public static CredentialsMatcher anyOf(CredentialsMatcher... matchers) {
        throw new UnsupportedOperationException();
    }

    public static CredentialsMatcher not(CredentialsMatcher matcher) {
        throw new UnsupportedOperationException();
    }

    public static CredentialsMatcher withScope(CredentialsScope scope) {
        throw new UnsupportedOperationException();
    }

    public static CredentialsMatcher withId(String id) {
        throw new UnsupportedOperationException();
    }

    public static <C extends Credentials> C firstOrNull(Iterable<C> credentials, CredentialsMatcher matcher) {
        throw new UnsupportedOperationException();
    }
}
