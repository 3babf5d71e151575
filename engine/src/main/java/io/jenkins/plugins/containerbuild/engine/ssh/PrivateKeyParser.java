package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Reads one SSH private key from the text of its file with Apache MINA SSHD: OpenSSH keys ({@code -----BEGIN OPENSSH
 * PRIVATE KEY-----}, encrypted with bcrypt or not) and PEM keys (PKCS#1 RSA, SEC1 EC, PKCS#8, encrypted PEM and
 * PKCS#8). Errors say what is wrong without repeating any of the text.
 */
public final class PrivateKeyParser {

    /** The key types the agent signs with. */
    static final Set<String> SUPPORTED = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521");

    private PrivateKeyParser() {
    }

    /**
     * The key pair in {@code text}.
     *
     * @param passphrase the key's passphrase, or null when it has none
     * @throws IllegalArgumentException when the text holds no readable private key, the key is encrypted and no or the
     *                                  wrong passphrase is given, or its type is not Ed25519, RSA or ECDSA
     */
    public static KeyPair parse(String text, String passphrase) {
        if (text == null || !text.contains("PRIVATE KEY-----")) {
            throw notAKey();
        }
        boolean[] asked = {false};
        FilePasswordProvider password = new FilePasswordProvider() {
            @Override
            public String getPassword(SessionContext session, NamedResource resourceKey, int retryIndex) {
                asked[0] = true;
                return passphrase;
            }
        };
        List<KeyPair> pairs = new ArrayList<>();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            Iterable<KeyPair> read = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName("SSH key"), in,
                    password);
            if (read != null) {
                read.forEach(pairs::add);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // the cause is dropped on purpose: a parser's message may quote the bytes it choked on
            if (asked[0] && passphrase == null) {
                throw new IllegalArgumentException("SSH key is encrypted: give its passphrase.");
            }
            if (asked[0]) {
                throw new IllegalArgumentException("SSH key cannot be decrypted with the passphrase given: give the"
                        + " passphrase the key was encrypted with.");
            }
            throw new IllegalArgumentException("SSH key cannot be read (" + e.getClass().getSimpleName()
                    + "): give the complete text of an OpenSSH or PEM private key file.");
        } finally {
            Arrays.fill(bytes, (byte) 0); // our copy of the key's text
        }
        if (pairs.isEmpty()) {
            throw notAKey();
        }
        if (pairs.size() > 1) {
            throw new IllegalArgumentException("SSH key text holds " + pairs.size() + " keys: give one key per entry.");
        }
        KeyPair pair = pairs.get(0);
        String type = KeyUtils.getKeyType(pair);
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("SSH key type " + type + " is not supported: use an Ed25519, RSA or"
                    + " ECDSA (nistp256, nistp384, nistp521) key.");
        }
        return pair;
    }

    private static IllegalArgumentException notAKey() {
        return new IllegalArgumentException("SSH key is not a private key: give the text of an OpenSSH or PEM private"
                + " key file (it begins with -----BEGIN ... PRIVATE KEY-----).");
    }
}
