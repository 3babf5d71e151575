package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TLS client identity and the CA that signs the daemon's certificate, as PEM text held in memory. Nothing of
 * it is ever written to disk; {@link #toString()} never shows the key. Whether or not the certificate is verified,
 * the daemon's host name is always checked against it.
 *
 * @param caPem     the CA certificate(s) that the daemon's certificate must chain to; null (or blank) to verify it
 *                  against the JVM's trust store instead ({@code javax.net.ssl.trustStore}, else the JDK's
 *                  {@code cacerts}), for a daemon whose certificate a public or company CA signed
 * @param certPem   the client certificate
 * @param keyPem    the client private key (PKCS#8, or PKCS#1 RSA / SEC1 EC)
 * @param verify    whether the daemon's certificate is verified (on by default)
 */
public record TlsMaterial(String caPem, String certPem, String keyPem, boolean verify) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    public TlsMaterial {
        if (certPem == null || certPem.isBlank() || keyPem == null || keyPem.isBlank()) {
            throw new IllegalArgumentException(
                    "TLS client certificate or key is empty: give both the client certificate and its key as PEM.");
        }
    }

    /** Reads {@code ca.pem}, {@code cert.pem} and {@code key.pem} from a directory, as {@code DOCKER_CERT_PATH} names. */
    public static TlsMaterial fromDirectory(Path dir, boolean verify) throws IOException {
        return fromFiles(dir.resolve("ca.pem"), dir.resolve("cert.pem"), dir.resolve("key.pem"), verify);
    }

    /** With {@code verify}, {@code ca} must exist (as the docker CLI's {@code --tlscacert}). */
    public static TlsMaterial fromFiles(Path ca, Path cert, Path key, boolean verify) throws IOException {
        return new TlsMaterial(verify || Files.exists(ca) ? read(ca) : null, read(cert), read(key), verify);
    }

    private static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("TLS file " + p + " does not exist: check the certificate path.", e);
        }
    }

    /** Whether the daemon's certificate is verified against the JVM's trust store rather than a given CA. */
    public boolean verifiesWithJvmTrustStore() {
        return verify && (caPem == null || caPem.isBlank());
    }

    @Override
    public String toString() {
        return "TlsMaterial[verify=" + verify + ", key=****]";
    }
}
