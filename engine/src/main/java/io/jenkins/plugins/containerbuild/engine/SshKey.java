package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.ssh.PrivateKeyParser;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * A private key the BuildKit session's SSH agent offers to {@code RUN --mount=type=ssh} steps, read from the text of
 * its file (OpenSSH or PEM, encrypted or not) when it is made, so that a bad key or passphrase fails before any
 * build. Only the decoded key is kept, in memory; {@link #toString()} shows its type alone.
 */
public final class SshKey {

    private final String type;
    private volatile KeyPair pair;

    private SshKey(KeyPair pair) {
        this.pair = pair;
        this.type = KeyUtils.getKeyType(pair);
    }

    /**
     * A key from the text of its file: Ed25519, RSA or ECDSA, in OpenSSH format (bcrypt-encrypted or not) or PEM
     * (PKCS#1, SEC1, PKCS#8, encrypted or not).
     *
     * @param passphrase the key's passphrase, or null (or empty) when it has none
     * @throws IllegalArgumentException when the text is not such a key, or it is encrypted and the passphrase is
     *                                  missing or wrong (the message repeats nothing of the key)
     */
    public static SshKey of(String privateKey, String passphrase) {
        return new SshKey(PrivateKeyParser.parse(privateKey,
                passphrase == null || passphrase.isEmpty() ? null : passphrase));
    }

    /** The key type, such as {@code ssh-ed25519}. */
    public String type() {
        return type;
    }

    /** The decoded key, for the session's agent only; null once {@link #destroy()}ed. */
    KeyPair keyPair() {
        return pair;
    }

    /** Forgets the key: later builds of the request offer it no more. */
    public void destroy() {
        pair = null;
    }

    @Override
    public String toString() {
        return "SshKey[" + type + "]";
    }
}
