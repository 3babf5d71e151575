package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The throw-away TLS identities of one DinD sidecar, made in memory: a CA that exists only for this sidecar, a server
 * certificate for {@code 127.0.0.1}/{@code localhost} and a client certificate, both signed by it. The CA's key is
 * dropped once both are signed, so nothing else can ever be signed by it; the client key stays in the engine's heap.
 * Only the server's certificate and key, and the CA certificate, go into the sidecar.
 */
final class DindCertificates {

    /** A sidecar lives for one step; a long one must not outlive its certificates. */
    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String caPem;
    private final String serverCertPem;
    private final String serverKeyPem;
    private final TlsMaterial client;

    private DindCertificates(String caPem, String serverCertPem, String serverKeyPem, TlsMaterial client) {
        this.caPem = caPem;
        this.serverCertPem = serverCertPem;
        this.serverKeyPem = serverKeyPem;
        this.client = client;
    }

    /** Makes a new CA, server and client identity (ECDSA P-256). */
    static DindCertificates generate() throws IOException {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair ca = gen.generateKeyPair();
            KeyPair server = gen.generateKeyPair();
            KeyPair client = gen.generateKeyPair();
            Instant now = Instant.now();
            X500Name caName = new X500Name("CN=containerbuild DinD sidecar CA " + new BigInteger(64, RANDOM).toString(16));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            ContentSigner caSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate());

            X509v3CertificateBuilder caCert = builder(caName, caName, ca, now)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
            X509CertificateHolder caHolder = caCert.build(caSigner);

            X509v3CertificateBuilder serverCert = builder(caName, new X500Name("CN=localhost"), server, now)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
                            new GeneralName(GeneralName.dNSName, "localhost")}))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caHolder));
            X509v3CertificateBuilder clientCert = builder(caName, new X500Name("CN=containerbuild engine"), client, now)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caHolder));

            String caPem = pem(caHolder);
            return new DindCertificates(caPem, pem(serverCert.build(caSigner)), pem(server.getPrivate()),
                    new TlsMaterial(caPem, pem(clientCert.build(caSigner)), pem(client.getPrivate()), true));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("The JVM cannot make the DinD sidecar's TLS certificates (" + e.getMessage()
                    + "): run the agent on a JVM with EC key support.", e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, Instant now) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(128, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        return out.toString();
    }

    /** The CA certificate the inner daemon checks client certificates against. */
    String caPem() {
        return caPem;
    }

    String serverCertPem() {
        return serverCertPem;
    }

    /** The server's private key (PKCS#8 PEM), for the sidecar only. */
    String serverKeyPem() {
        return serverKeyPem;
    }

    /** What the engine connects with: the client identity, and the CA the server's certificate must chain to. */
    TlsMaterial client() {
        return client;
    }

    @Override
    public String toString() {
        return "DindCertificates[keys=****]";
    }
}
