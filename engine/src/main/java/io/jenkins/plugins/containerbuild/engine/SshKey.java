package io.jenkins.plugins.containerbuild.engine;

/**
 * A private key the BuildKit session's SSH agent offers to {@code RUN --mount=type=ssh} steps: the key file's text
 * (OpenSSH or PEM, encrypted or not) and its passphrase. Held in memory only; {@link #toString()} shows neither.
 */
public final class SshKey {

    private final String privateKey;
    private final String passphrase;

    private SshKey(String privateKey, String passphrase) {
        this.privateKey = privateKey;
        this.passphrase = passphrase;
    }

    /**
     * A key from the text of its file.
     *
     * @param passphrase the key's passphrase, or null when it has none
     * @throws IllegalArgumentException when the text is not a private key (its content is not repeated)
     */
    public static SshKey of(String privateKey, String passphrase) {
        if (privateKey == null || !privateKey.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException("SSH key is not a private key: give the text of an OpenSSH or PEM"
                    + " private key file (it begins with -----BEGIN ... PRIVATE KEY-----).");
        }
        return new SshKey(privateKey, passphrase == null || passphrase.isEmpty() ? null : passphrase);
    }

    /** The key file's text: for the SSH agent only, never a log or event. */
    public String privateKey() {
        return privateKey;
    }

    /** The passphrase, or null. */
    public String passphrase() {
        return passphrase;
    }

    @Override
    public String toString() {
        return "SshKey[****]";
    }
}
