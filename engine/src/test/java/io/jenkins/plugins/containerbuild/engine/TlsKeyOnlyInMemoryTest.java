package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The TLS client key lives only in memory" (docs/security.md): a successful BuildKit build and push on the lab's TLS
 * daemon with a client key of the test's own (signed by the lab CA, its file removed before the watch begins), and
 * then no file new or changed under the home, /tmp and /var/tmp folders, whatever its name, holds any line of the
 * key's base64 body, the body in one piece, or its DER bytes in base64 at any alignment.
 */
class TlsKeyOnlyInMemoryTest {

    private static final Lab lab = Lab.get();

    @Test
    void aTlsBuildAndPushWriteTheKeyNowhere(@TempDir Path dir) throws Exception {
        TlsMaterial tls = freshClientIdentity(dir.resolve("pki"));
        Set<String> needles = DiskSnapshot.keyForms(tls.keyPem());
        DiskSnapshot before = DiskSnapshot.take();

        String repo = LabSupport.unique("it/tls-key");
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        Path context = Files.createDirectories(dir.resolve("context"));
        LabSupport.context(context, "FROM " + lab.baseImage() + "\nRUN echo " + repo + " > /proof\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.Tcp(lab.tlsUri(), tls, false), events)) {
            BuildResult built = engine.build(BuildRequest.builder(context).tag(tag).networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:");
            PushResult pushed = engine.push(PushRequest.builder().tag(tag).build());
            assertThat(pushed.digests()).containsEntry(tag, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            engine.remove(tag);
        }
        assertThat(events.allText()).doesNotContain("PRIVATE KEY");
        for (String n : needles) {
            assertThat(events.allText()).doesNotContain(n);
        }
        assertThat(before.changedFilesContaining(needles)).as("files that hold the TLS key").isEmpty();
    }

    /**
     * A client key and certificate of this test's own, signed by the lab CA (which the TLS daemon trusts), read
     * into memory; the key's file is removed before the caller starts watching the disk.
     */
    static TlsMaterial freshClientIdentity(Path pki) throws Exception {
        Files.createDirectories(pki);
        Path certs = lab.certs();
        run(pki, "openssl", "genrsa", "-out", "key.pem", "2048");
        run(pki, "openssl", "req", "-new", "-key", "key.pem", "-subj", "/CN=tls-key-test", "-out", "client.csr");
        Files.writeString(pki.resolve("ext.cnf"), "extendedKeyUsage = clientAuth\n");
        run(pki, "openssl", "x509", "-req", "-in", "client.csr", "-CA", certs.resolve("ca.pem").toString(),
                "-CAkey", certs.resolve("ca-key.pem").toString(), "-CAcreateserial", "-CAserial",
                pki.resolve("ca.srl").toString(), "-days", "1", "-sha256", "-extfile", "ext.cnf", "-out", "cert.pem");
        String key = Files.readString(pki.resolve("key.pem"));
        TlsMaterial tls = new TlsMaterial(Files.readString(certs.resolve("ca.pem")),
                Files.readString(pki.resolve("cert.pem")), key, true);
        Files.delete(pki.resolve("key.pem"));
        assertThat(key).contains("PRIVATE KEY");
        return tls;
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
