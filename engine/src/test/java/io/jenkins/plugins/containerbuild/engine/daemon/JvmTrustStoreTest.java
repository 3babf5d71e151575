package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "TLS credentials without a server CA verify the daemon against the JVM's trust store, and the host name is still
 * checked" (docs/credentials.md). The trust store is one this test writes and names with
 * {@code javax.net.ssl.trustStore} for the length of a test; the JDK's own {@code cacerts} is never touched. Against
 * the lab's TLS daemon (its CA in the store: connects; another CA in the store: refused) and against a small TLS
 * server whose certificate a CA made here signed (for the right name: connects; for another name: refused, and no
 * request reaches it), over both the HTTP client and the raw socket BuildKit sessions use.
 */
@Timeout(120)
class JvmTrustStoreTest {

    private static final List<String> PROPERTIES = List.of("javax.net.ssl.trustStore", "javax.net.ssl.trustStoreType",
            "javax.net.ssl.trustStorePassword");

    @TempDir
    Path dir;

    private final Map<String, String> saved = new HashMap<>();
    private final Lab lab = Lab.get();
    /** The lab's client identity, without a CA: verified against the JVM's trust store. */
    private final TlsMaterial noCa = new TlsMaterial(null, lab.clientTls().certPem(), lab.clientTls().keyPem(), true);

    @BeforeEach
    void saveProperties() {
        PROPERTIES.forEach(p -> saved.put(p, System.getProperty(p)));
    }

    @AfterEach
    void restoreProperties() {
        saved.forEach((p, v) -> {
            if (v == null) {
                System.clearProperty(p);
            } else {
                System.setProperty(p, v);
            }
        });
    }

    @Test
    void theLabDaemonConnectsWhenItsCaIsInTheJvmTrustStore() throws Exception {
        assertThat(noCa.verifiesWithJvmTrustStore()).isTrue();
        trust(pemCertificate(lab.certs().resolve("ca.pem")));
        DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(lab.tlsUri(), noCa, false);
        try (DaemonConnection c = DaemonConnection.open(endpoint, Timeouts.defaults())) {
            assertThat(c.apiVersion()).isNotNull();
        }
        try (RawDaemonSocket raw = RawDaemonSocket.connect(endpoint, new PemSslConfig(noCa).getSSLContext(),
                Duration.ofSeconds(10), Duration.ofSeconds(10))) {
            assertThat(raw.in()).isNotNull();
        }
    }

    @Test
    void theLabDaemonIsRefusedWhenTheJvmTrustStoreHoldsAnotherCa() throws Exception {
        trust(pemCertificate(lab.certs().resolve("other-ca.pem")));
        DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(lab.tlsUri(), noCa, false);
        Throwable http = catchThrowable(() -> DaemonConnection.open(endpoint, Timeouts.defaults()).close());
        assertThat(http).isInstanceOf(ContainerEngineException.class);
        Throwable raw = catchThrowable(() -> RawDaemonSocket.connect(endpoint, new PemSslConfig(noCa).getSSLContext(),
                Duration.ofSeconds(10), Duration.ofSeconds(10)).close());
        assertThat(raw).isInstanceOf(SSLException.class);
    }

    @Test
    void aTrustedCertificateForAnotherHostNameIsStillRefused() throws Exception {
        TestCa ca = new TestCa();
        trust(ca.certificate);
        // the control: the same CA, a certificate for the name connected to
        try (TlsPingServer right = new TlsPingServer(ca.serverKeys("localhost",
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())),
                TestCa.PASSWORD)) {
            DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://localhost:" + right.port()), noCa,
                    false);
            try (DaemonConnection c = DaemonConnection.open(endpoint, Timeouts.defaults())) {
                assertThat(c.apiVersion().toString()).isEqualTo("1.41");
            }
            assertThat(right.requests).contains("GET /_ping");
        }
        try (TlsPingServer wrong = new TlsPingServer(ca.serverKeys("other.example",
                new GeneralName(GeneralName.dNSName, "other.example")), TestCa.PASSWORD)) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://" + host + ":" + wrong.port()),
                        noCa, false);
                Throwable http = catchThrowable(() -> DaemonConnection.open(endpoint, Timeouts.defaults()).close());
                assertThat(http).as("the HTTP client to %s", host).isInstanceOf(ContainerEngineException.class);
                Throwable raw = catchThrowable(() -> RawDaemonSocket.connect(endpoint,
                        new PemSslConfig(noCa).getSSLContext(), Duration.ofSeconds(10), Duration.ofSeconds(10))
                        .close());
                assertThat(raw).as("the raw socket to %s", host).isInstanceOf(SSLException.class);
            }
            assertThat(wrong.handshakes).as("the server did see the attempts").isPositive();
            assertThat(wrong.requests).as("nothing was sent over a connection to the wrong name").isEmpty();
        }
    }

    /** Writes a trust store holding only {@code ca} and makes it the JVM's for this test. */
    private void trust(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        Path file = dir.resolve("truststore-" + System.nanoTime() + ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, TestCa.PASSWORD);
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        System.setProperty("javax.net.ssl.trustStorePassword", new String(TestCa.PASSWORD));
    }

    private static X509Certificate pemCertificate(Path pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readString(pem).getBytes(StandardCharsets.US_ASCII)));
    }

    /** A CA made for one test, and server identities it signs (ECDSA P-256, valid for a day). */
    private static final class TestCa {
        static final char[] PASSWORD = "changeit".toCharArray();

        private final KeyPairGenerator gen;
        private final KeyPair keys;
        private final X500Name name = new X500Name("CN=JvmTrustStoreTest CA " + System.nanoTime());
        final X509Certificate certificate;

        TestCa() throws Exception {
            gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            keys = gen.generateKeyPair();
            certificate = sign(new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign)));
        }

        /** A key store (password {@link #PASSWORD}) with a server key and its certificate for these names. */
        KeyStore serverKeys(String cn, GeneralName... names) throws Exception {
            KeyPair server = gen.generateKeyPair();
            X509Certificate cert = sign(new JcaX509v3CertificateBuilder(name, serial(), from(), until(),
                    new X500Name("CN=" + cn), server.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names)));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", server.getPrivate(), PASSWORD, new Certificate[] {cert, certificate});
            return ks;
        }

        private X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder) throws Exception {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        }

        private static BigInteger serial() {
            return BigInteger.valueOf(System.nanoTime()).abs().add(BigInteger.ONE);
        }

        private static Date from() {
            return Date.from(Instant.now().minus(Duration.ofHours(1)));
        }

        private static Date until() {
            return Date.from(Instant.now().plus(Duration.ofDays(1)));
        }
    }
}
