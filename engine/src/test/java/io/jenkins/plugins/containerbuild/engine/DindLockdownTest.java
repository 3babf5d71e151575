package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DinD sidecar's inner daemon answers only the engine: while a build runs in it, a plain HTTP request, a TLS
 * request without a client certificate and one with a certificate of another CA all fail on its loopback port. And
 * an engine that starts removes the sidecars a dead process left behind, never one of a live process. With the
 * sidecar on Engine 20.10 and on 26.1 (classic store); the inner daemon is the DinD image's own.
 */
class DindLockdownTest {

    private static final String SCOPE = "io.jenkins.containerbuild.owner-scope";
    private static final String PROCESS = "io.jenkins.containerbuild.owner-process";
    private static final String FULL = "io.jenkins.plugins.containerbuild.engine.LabDaemons#full";

    private final Lab lab = Lab.get();

    @ParameterizedTest(name = "sidecar on {0}")
    @MethodSource(FULL)
    void innerDaemonRefusesEveryoneWithoutTheSidecarsClientCertificate(Lab.Daemon daemon, @TempDir Path dir)
            throws Exception {
        String owner = LabSupport.unique("DindLockdownTest");
        DaemonEndpoint dind = new DaemonEndpoint.Dind(daemon.endpoint(), DindOptions.of(lab.dindImage())
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
        String marker = LabSupport.unique("lockdown-marker");
        LabSupport.context(dir, "FROM " + lab.registryBaseImage() + "\nRUN echo " + marker + " && sleep 1\n");
        RecordingSink events = new RecordingSink();
        AtomicReference<List<String>> answers = new AtomicReference<>();
        try (ContainerEngine engine = ContainerEngine.connect(dind, events)) {
            URI inner = ((DaemonEndpoint.Tcp) engine.endpoint()).uri();
            assertThat(inner.getHost()).isEqualTo("127.0.0.1");
            events.when(e -> e instanceof EngineEvent.StepOutput o && o.line().contains(marker), () ->
                    answers.set(List.of(plainPing(inner), tlsPing(inner, null), tlsPing(inner, lab.certs()))));
            BuildResult built = engine.build(BuildRequest.builder(dir).networkMode("none").build());
            assertThat(built.imageId()).as("the engine itself gets in").startsWith("sha256:");
        } finally {
            LabSupport.labelledContainers(daemon, owner).forEach(id -> daemon.docker("rm", "-fv", id));
        }
        assertThat(answers.get()).as("the probes ran while the build ran").isNotNull().hasSize(3);
        assertThat(answers.get().get(0)).as("plain HTTP").doesNotContain(" 200 ").doesNotContain("\r\n\r\nOK");
        assertThat(answers.get().get(1)).as("TLS without a client certificate").doesNotContain(" 200 ");
        assertThat(answers.get().get(2)).as("TLS with another CA's client certificate").doesNotContain(" 200 ");
    }

    @ParameterizedTest(name = "sidecars on {0}")
    @MethodSource(FULL)
    void sidecarsOfDeadProcessesAreRemovedOnStartAndThoseOfLiveOnesKept(Lab.Daemon daemon) throws Exception {
        String owner = LabSupport.unique("DindLockdownTest-orphans");
        DaemonEndpoint dind = new DaemonEndpoint.Dind(daemon.endpoint(), DindOptions.of(lab.dindImage())
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
        List<String> made = new ArrayList<>();
        try (ContainerEngine live = ContainerEngine.connect(dind, new RecordingSink())) {
            List<String> running = LabSupport.labelledContainers(daemon, owner);
            assertThat(running).hasSize(1);
            String scope = label(daemon, running.get(0), SCOPE);
            String self = label(daemon, running.get(0), PROCESS);
            assertThat(self).isEqualTo(ProcessHandle.current().pid() + "@" + startTicks(ProcessHandle.current().pid()));

            Process child = new ProcessBuilder("sleep", "60").start();
            String childLabel = child.pid() + "@" + startTicks(child.pid());
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            String dead = leftover(daemon, made, owner, scope, childLabel);
            String reused = leftover(daemon, made, owner, scope, ProcessHandle.current().pid() + "@1"); // pid now another process
            String alive = leftover(daemon, made, owner, scope, self);
            String otherScope = leftover(daemon, made, owner, "another-boot/pid:[1]/uid=0", childLabel);
            String unlabelled = leftover(daemon, made, owner, null, null);

            RecordingSink events = new RecordingSink();
            try (ContainerEngine second = ContainerEngine.connect(dind, events)) {
                assertThat(second.endpoint()).isNotEqualTo(live.endpoint());
            }
            List<String> left = LabSupport.labelledContainers(daemon, owner).stream().map(id -> id.substring(0, 12)).toList();
            assertThat(left).as("dead owners' sidecars are gone")
                    .doesNotContain(dead.substring(0, 12), reused.substring(0, 12));
            assertThat(left).as("live owners' and undecidable sidecars stay")
                    .contains(running.get(0).substring(0, 12), alive.substring(0, 12), otherScope.substring(0, 12),
                            unlabelled.substring(0, 12));
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p
                    && p.message().equals("Removed DinD sidecar " + dead.substring(0, 12) + " left behind by process "
                    + child.pid() + ", which is gone"));
        } finally {
            for (String id : made) {
                daemon.tryRun("rm", "-fv", id);
            }
            LabSupport.labelledContainers(daemon, owner).forEach(id -> daemon.docker("rm", "-fv", id));
        }
    }

    /** A created (never started) container labelled as a sidecar of {@code process} in {@code scope}. */
    private static String leftover(Lab.Daemon daemon, List<String> made, String owner, String scope, String process) {
        List<String> args = new ArrayList<>(List.of("create", "--network", "none",
                "--label", "io.jenkins.containerbuild.owner=" + owner, "--label", "io.jenkins.containerbuild.role=dind"));
        if (scope != null) {
            args.addAll(List.of("--label", SCOPE + "=" + scope, "--label", PROCESS + "=" + process));
        }
        args.addAll(List.of(daemon.baseImage(), "sleep", "1"));
        String id = daemon.docker(args.toArray(new String[0])).strip();
        made.add(id);
        return id;
    }

    private static String label(Lab.Daemon daemon, String container, String name) {
        return daemon.docker("inspect", "-f", "{{index .Config.Labels \"" + name + "\"}}", container).strip();
    }

    /** The kernel's start time of a process (field 22 of /proc/PID/stat), the test's own reading of it. */
    private static String startTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    }

    private static String plainPing(URI daemon) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(daemon.getHost(), daemon.getPort()), 5000);
            s.setSoTimeout(5000);
            return exchange(s.getInputStream(), s.getOutputStream());
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** GET /_ping over TLS, trusting any server, with no client certificate or the lab's (another CA's). */
    private static String tlsPing(URI daemon, Path otherCaClient) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            javax.net.ssl.KeyManager[] keys = null;
            if (otherCaClient != null) {
                keys = otherCaKeys();
            }
            ctx.init(keys, new TrustManager[] {new TrustAll()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(daemon.getHost(), daemon.getPort()), 5000);
                s.setSoTimeout(5000);
                s.startHandshake();
                return exchange(s.getInputStream(), s.getOutputStream());
            }
        } catch (IOException | java.security.GeneralSecurityException e) {
            return e.toString();
        }
    }

    /** The lab's client identity, signed by the lab CA, not by the sidecar's. */
    private static javax.net.ssl.KeyManager[] otherCaKeys() throws IOException, java.security.GeneralSecurityException {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        var tls = Lab.get().clientTls();
        var cert = java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(tls.certPem().getBytes(StandardCharsets.US_ASCII)));
        try (var parser = new org.bouncycastle.openssl.PEMParser(new java.io.StringReader(tls.keyPem()))) {
            Object o = parser.readObject();
            var conv = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
            java.security.PrivateKey key = o instanceof org.bouncycastle.openssl.PEMKeyPair p
                    ? conv.getPrivateKey(p.getPrivateKeyInfo())
                    : conv.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
            ks.setKeyEntry("client", key, new char[0], new java.security.cert.Certificate[] {cert});
        }
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    private static String exchange(InputStream in, OutputStream out) throws IOException {
        out.write("GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
    }

    private static final class TrustAll implements X509TrustManager {
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
