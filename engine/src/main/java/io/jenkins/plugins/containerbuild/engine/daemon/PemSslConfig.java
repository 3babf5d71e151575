package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Builds an {@link SSLContext} from PEM text in memory: key stores live only in the heap. */
final class PemSslConfig {

    private final SSLContext context;

    PemSslConfig(TlsMaterial tls) throws IOException {
        try {
            char[] pass = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            List<X509Certificate> chain = certificates(tls.certPem(), "client certificate");
            keys.setKeyEntry("client", privateKey(tls.keyPem()), pass, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pass);

            TrustManager[] trust;
            if (tls.verifiesWithJvmTrustStore()) {
                // no CA given: the JVM's trust store, read now (javax.net.ssl.trustStore, else the JDK's cacerts)
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
                trust = tmf.getTrustManagers();
            } else if (tls.verify()) {
                KeyStore cas = KeyStore.getInstance("PKCS12");
                cas.load(null, null);
                int i = 0;
                for (X509Certificate ca : certificates(tls.caPem(), "CA certificate")) {
                    cas.setCertificateEntry("ca-" + i++, ca);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(cas);
                trust = tmf.getTrustManagers();
            } else {
                trust = new TrustManager[] {new TrustEverything()};
            }
            context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), trust, new SecureRandom());
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS material cannot be used (" + e.getMessage()
                    + "): check that the certificate, key and CA are PEM and belong together.", e);
        }
    }

    SSLContext getSSLContext() {
        return context;
    }

    private static List<X509Certificate> certificates(String pem, String what) throws IOException {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : certs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IOException("The " + what + " holds no PEM certificate: give a '-----BEGIN CERTIFICATE-----' block.");
            }
            return out;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException("The " + what + " is not a readable PEM certificate: give a '-----BEGIN CERTIFICATE-----' block.", e);
        }
    }

    private static PrivateKey privateKey(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException("The client key is not an unencrypted PEM private key: give a '-----BEGIN PRIVATE KEY-----'"
                    + " (or RSA/EC PRIVATE KEY) block without a passphrase.");
        }
    }

    /** Used only when the caller turned verification off on purpose. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
