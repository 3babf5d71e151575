package io.jenkins.plugins.containerbuild.engine.ssh;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Private keys made for a test by the machine's own {@code ssh-keygen} and {@code openssl} (installed by
 * {@code scripts/lab start}), in every format the engine reads; nothing is kept in the repository.
 */
public final class TestKeys {

    /** A key's file text, its public line ({@code ssh-ed25519 AAAA... comment}) and where both were written. */
    public record Key(String privateText, String publicLine, Path privateFile, Path publicFile) {
        /** The public key as {@code TYPE BASE64}, without the comment. */
        public String publicKey() {
            String[] parts = publicLine.split(" ");
            return parts[0] + " " + parts[1];
        }
    }

    private TestKeys() {
    }

    /**
     * A key from {@code ssh-keygen}.
     *
     * @param type   ed25519, rsa, ecdsa (or dsa)
     * @param bits   for rsa and ecdsa, else 0
     * @param format null for OpenSSH, or PEM or PKCS8
     * @param passphrase empty for none
     */
    public static Key sshKeygen(Path dir, String name, String type, int bits, String format, String passphrase) {
        Path file = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", name,
                "-f", file.toString()));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        if (format != null) {
            cmd.addAll(List.of("-m", format));
        }
        Lab.exec(cmd, null, true);
        return read(file, Path.of(file + ".pub"));
    }

    /**
     * A key from {@code openssl} (PKCS#8, or SEC1 for {@code ec-sec1}), its public line derived by ssh-keygen.
     *
     * @param algorithm ed25519, rsa, ec-p256, ec-p384 or ec-sec1 (P-256 in the SEC1 "EC PRIVATE KEY" form)
     */
    public static Key openssl(Path dir, String name, String algorithm, String passphrase) {
        Path file = dir.resolve(name);
        Path plain = dir.resolve(name + ".plain");
        switch (algorithm) {
            case "ed25519" -> Lab.exec(List.of("openssl", "genpkey", "-algorithm", "ed25519", "-out", plain.toString()),
                    null, true);
            case "rsa" -> Lab.exec(List.of("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", plain.toString()), null, true);
            case "ec-p256", "ec-p384" -> Lab.exec(List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:" + (algorithm.endsWith("256") ? "P-256" : "P-384"), "-out", plain.toString()),
                    null, true);
            case "ec-sec1" -> Lab.exec(List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                    "-out", plain.toString()), null, true);
            default -> throw new IllegalArgumentException(algorithm);
        }
        if (passphrase.isEmpty()) {
            copy(plain, file);
        } else if (algorithm.equals("ec-sec1")) { // traditional encrypted PEM: Proc-Type and DEK-Info headers
            Lab.exec(List.of("openssl", "ec", "-in", plain.toString(), "-aes256", "-passout", "pass:" + passphrase,
                    "-out", file.toString()), null, true);
        } else { // encrypted PKCS#8
            Lab.exec(List.of("openssl", "pkcs8", "-topk8", "-in", plain.toString(), "-v2", "aes-256-cbc",
                    "-passout", "pass:" + passphrase, "-out", file.toString()), null, true);
        }
        try {
            Files.setPosixFilePermissions(plain, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Path pub = dir.resolve(name + ".pub");
            String publicKey = algorithm.equals("ed25519") ? ed25519PublicLine(plain)
                    : Lab.exec(List.of("ssh-keygen", "-y", "-f", plain.toString()), null, true).stdout().strip();
            Files.writeString(pub, publicKey + " " + name + "\n");
            Files.delete(plain);
            return read(file, pub);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ssh-keygen -Y verify} of {@code signature} over {@code file}; its exit code (0: good signature). */
    public static int verify(Path dir, Key key, Path file, Path signature) throws IOException {
        Path allowed = dir.resolve("allowed_signers");
        Files.writeString(allowed, "signer@test " + key.publicKey() + "\n");
        List<String> cmd = List.of("sh", "-c", "ssh-keygen -Y verify -f \"$1\" -I signer@test -n containerbuild"
                + " -s \"$2\" < \"$3\"", "verify", allowed.toString(), signature.toString(), file.toString());
        return Lab.exec(cmd, null, false).exitCode();
    }

    /**
     * ssh-keygen 9.2 cannot read OpenSSL's Ed25519 files: the public key is the last 32 bytes of openssl's DER
     * SubjectPublicKeyInfo, put in the SSH wire form (string "ssh-ed25519", string key).
     */
    private static String ed25519PublicLine(Path plain) throws IOException {
        Path der = Path.of(plain + ".der");
        Lab.exec(List.of("openssl", "pkey", "-in", plain.toString(), "-pubout", "-outform", "DER", "-out",
                der.toString()), null, true);
        byte[] spki = Files.readAllBytes(der);
        Files.delete(der);
        java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(blob);
        out.writeInt(11);
        out.writeBytes("ssh-ed25519");
        out.writeInt(32);
        out.write(spki, spki.length - 32, 32);
        return "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(blob.toByteArray());
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Key read(Path privateFile, Path publicFile) {
        try {
            return new Key(Files.readString(privateFile), Files.readString(publicFile).strip(), privateFile,
                    publicFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
