package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The SSH wire form written and read by hand with the JDK, and signatures checked with the JDK's own providers: an
 * account of the agent's replies that shares no code with the agent (nor with MINA SSHD, which it uses).
 */
public final class Wire {

    private Wire() {
    }

    /** Builds a message: {@code Wire.out().b(13).string(blob)...bytes()}. */
    public static Out out() {
        return new Out();
    }

    public static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream data = new DataOutputStream(bytes);

        public Out b(int value) {
            return run(() -> data.writeByte(value));
        }

        public Out u32(long value) {
            return run(() -> data.writeInt((int) value));
        }

        public Out string(byte[] value) {
            return run(() -> {
                data.writeInt(value.length);
                data.write(value);
            });
        }

        public Out string(String value) {
            return string(value.getBytes(StandardCharsets.UTF_8));
        }

        public byte[] bytes() {
            return bytes.toByteArray();
        }

        private Out run(IoAction a) {
            try {
                a.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** Reads a message field by field. */
    public static final class In {
        private final DataInputStream data;

        public In(byte[] message) {
            data = new DataInputStream(new ByteArrayInputStream(message));
        }

        public int b() throws IOException {
            return data.readUnsignedByte();
        }

        public long u32() throws IOException {
            return Integer.toUnsignedLong(data.readInt());
        }

        public byte[] string() throws IOException {
            byte[] b = new byte[data.readInt()];
            data.readFully(b);
            return b;
        }

        public String text() throws IOException {
            return new String(string(), StandardCharsets.UTF_8);
        }

        public boolean atEnd() throws IOException {
            return data.available() == 0;
        }
    }

    /** The key blob of a public line ({@code TYPE BASE64 [comment]}). */
    public static byte[] blob(String publicLine) {
        return Base64.getDecoder().decode(publicLine.split(" ")[1]);
    }

    /** The JDK's public key for an SSH key blob. */
    public static PublicKey jdkKey(byte[] blob) throws Exception {
        In in = new In(blob);
        String type = in.text();
        switch (type) {
            case "ssh-ed25519" -> {
                byte[] spki = HexFormat.of().parseHex("302a300506032b6570032100");
                byte[] raw = in.string();
                byte[] der = Arrays.copyOf(spki, spki.length + raw.length);
                System.arraycopy(raw, 0, der, spki.length, raw.length);
                return KeyFactory.getInstance("Ed25519", "SunEC").generatePublic(new X509EncodedKeySpec(der));
            }
            case "ssh-rsa" -> {
                BigInteger e = new BigInteger(in.string());
                BigInteger n = new BigInteger(in.string());
                return KeyFactory.getInstance("RSA", "SunRsaSign").generatePublic(new RSAPublicKeySpec(n, e));
            }
            default -> {
                String curve = in.text();
                byte[] q = in.string();
                int len = (q.length - 1) / 2;
                ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOfRange(q, 1, 1 + len)),
                        new BigInteger(1, Arrays.copyOfRange(q, 1 + len, q.length)));
                AlgorithmParameters p = AlgorithmParameters.getInstance("EC", "SunEC");
                p.init(new ECGenParameterSpec(switch (curve) {
                    case "nistp256" -> "secp256r1";
                    case "nistp384" -> "secp384r1";
                    default -> "secp521r1";
                }));
                return KeyFactory.getInstance("EC", "SunEC")
                        .generatePublic(new ECPublicKeySpec(point, p.getParameterSpec(ECParameterSpec.class)));
            }
        }
    }

    /**
     * Whether an SSH signature ({@code string algorithm, string blob}) is {@code algorithm}'s valid signature of
     * {@code data} by the key, checked by the JDK.
     */
    public static boolean verifies(byte[] keyBlob, byte[] sshSignature, String algorithm, byte[] data) throws Exception {
        In sig = new In(sshSignature);
        if (!sig.text().equals(algorithm)) {
            return false;
        }
        byte[] raw = sig.string();
        PublicKey key = jdkKey(keyBlob);
        Signature v;
        switch (algorithm) {
            case "ssh-ed25519" -> v = Signature.getInstance("Ed25519", "SunEC");
            case "ssh-rsa" -> v = Signature.getInstance("SHA1withRSA", "SunRsaSign");
            case "rsa-sha2-256" -> v = Signature.getInstance("SHA256withRSA", "SunRsaSign");
            case "rsa-sha2-512" -> v = Signature.getInstance("SHA512withRSA", "SunRsaSign");
            default -> { // ECDSA: the blob is mpint r, mpint s; the JDK takes them as fixed-length r || s
                int size = switch (algorithm) {
                    case "ecdsa-sha2-nistp256" -> 32;
                    case "ecdsa-sha2-nistp384" -> 48;
                    default -> 66;
                };
                In rs = new In(raw);
                raw = new byte[2 * size];
                fixed(new BigInteger(rs.string()), raw, 0, size);
                fixed(new BigInteger(rs.string()), raw, size, size);
                v = Signature.getInstance((size == 32 ? "SHA256" : size == 48 ? "SHA384" : "SHA512")
                        + "withECDSAinP1363Format", "SunEC");
            }
        }
        v.initVerify(key);
        v.update(data);
        return v.verify(raw);
    }

    private static void fixed(BigInteger value, byte[] into, int at, int size) {
        byte[] b = value.toByteArray();
        int skip = Math.max(0, b.length - size);
        System.arraycopy(b, skip, into, at + size - (b.length - skip), b.length - skip);
    }
}
