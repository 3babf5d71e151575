package jenkins.authentication.tokens.api;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsMatcher;

/** Stand-in: authentication-tokens' conversion of credentials into tokens of a kind. */
public final class AuthenticationTokens {
    private AuthenticationTokens() {}

    public static <T> CredentialsMatcher matcher(Class<T> tokenClass) {
        throw new UnsupportedOperationException();
    }

    public static <T, C extends Credentials> T convert(Class<T> type, C credentials) {
        throw new UnsupportedOperationException();
    }
}
