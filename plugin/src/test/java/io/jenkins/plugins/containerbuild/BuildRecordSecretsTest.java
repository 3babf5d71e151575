package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.thoughtworks.xstream.XStream;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/**
 * "Secrets are never stored in the build's record" (docs/credentials.md). A build on the lab's TLS daemon with a
 * client key from credentials, then a push with a registry password; then what Jenkins persists (the run's action,
 * the steps, a freestyle builder and the global configuration with credentials ids set), written by XStream as
 * Jenkins writes it, and each return value the agent sent back, in Java serialization, hold neither the password nor
 * any line of the key. The callables are the one place the secrets travel: each holds the one it needs, no other.
 */
@ExtendWith(JenkinsStatics.class)
class BuildRecordSecretsTest {

    @TempDir
    Path workspace;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @Test
    void neitherThePasswordNorTheKeyIsInWhatJenkinsKeeps() throws Exception {
        Lab lab = Lab.get();
        String id = Fixtures.unique();
        String password = lab.registryPassword();
        TlsMaterial tls = lab.clientTls();
        List<String> keyLines = tls.keyPem().lines().filter(l -> !l.startsWith("-----") && l.length() >= 16).toList();
        assertThat(keyLines).isNotEmpty();

        String tag = "containerbuild-plugin/record-" + id + ":1";
        Fixtures.context(workspace, "app", lab.baseImage(), "record-" + id);
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        ContainerPushStep push = new ContainerPushStep();
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            DockerServerCredentials tlsCredentials = Fixtures.tlsCredentials(provider, "tls", tls);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("tls"), eq(IdCredentials.class), any()))
                    .thenReturn(tlsCredentials);
            Fixtures.registryCredentials(provider, "registry", lab);

            TcpDaemon daemon = new TcpDaemon(lab.tlsUri().toString());
            daemon.setCredentialsId("tls");
            build.setContext("app");
            build.setTags(List.of(tag));
            build.setNetwork("none");
            build.setDaemon(daemon);
            BuiltImage image = harness.build(build);

            // push from the host daemon: build the same context there
            ContainerBuildStep local = new ContainerBuildStep();
            local.setContext("app");
            local.setTags(List.of(tag));
            local.setNetwork("none");
            BuiltImage localImage = harness.build(local);
            created.add(tag);
            push.setImage(localImage);
            push.setRegistry("http://" + lab.authRegistry());
            push.setCredentialsId("registry");
            Map<String, String> digests = harness.push(push);
            created.add(lab.authRegistry() + "/" + tag);
            assertThat(digests).hasSize(1);
            assertThat(image.getImageId()).startsWith("sha256:");
        }

        ContainerBuildBuilder freestyle = new ContainerBuildBuilder();
        TcpDaemon freestyleDaemon = new TcpDaemon(lab.tlsUri().toString());
        freestyleDaemon.setCredentialsId("tls");
        freestyle.setDaemon(freestyleDaemon);
        freestyle.setTags(tag);
        freestyle.setPush(true);
        freestyle.setRegistry("http://" + lab.authRegistry());
        freestyle.setCredentialsId("registry");
        ContainerBuildConfiguration configured = JenkinsStatics.configuration();
        TcpDaemon globalDaemon = new TcpDaemon(lab.tlsUri().toString());
        globalDaemon.setCredentialsId("tls");
        configured.setDefaultDaemon(globalDaemon);
        NamedRegistry named = new NamedRegistry("lab", "http://" + lab.authRegistry());
        named.setCredentialsId("registry");
        configured.setRegistries(List.of(named));
        // the test's configuration is a partial mock (save() does nothing): persist a plain one with its fields
        ContainerBuildConfiguration global = new org.objenesis.ObjenesisStd().newInstance(ContainerBuildConfiguration.class);
        for (java.lang.reflect.Field f : ContainerBuildConfiguration.class.getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                f.set(global, f.get(configured));
            }
        }

        XStream xstream = new XStream();
        List<String> persisted = new ArrayList<>();
        assertThat(harness.action()).as("the run's action").isNotNull();
        for (Object o : List.of(harness.action(), build, push, freestyle, global)) {
            persisted.add(xstream.toXML(o));
        }
        // the XML is really the objects' state (not an empty shell)
        assertThat(persisted.get(0)).contains(tag);
        assertThat(persisted.get(2)).contains("registry");
        assertThat(persisted.get(3)).contains("tls", lab.tlsUri().toString());
        assertThat(persisted.get(4)).contains("lab", "registry");
        for (String xml : persisted) {
            assertNoSecret(xml, password, keyLines);
        }

        assertThat(harness.returned).hasSize(3);
        for (byte[] r : harness.returned) {
            assertNoSecret(new String(r, StandardCharsets.ISO_8859_1), password, keyLines);
        }
        // the callables, the one way secrets travel: the TLS build's holds the key only, the push's the password only
        assertThat(harness.wire).hasSize(3);
        String tlsBuild = new String(harness.wire.get(0), StandardCharsets.ISO_8859_1);
        String localBuild = new String(harness.wire.get(1), StandardCharsets.ISO_8859_1);
        String pushCall = new String(harness.wire.get(2), StandardCharsets.ISO_8859_1);
        assertThat(tlsBuild).contains(keyLines.get(0)).doesNotContain(password);
        assertNoSecret(localBuild, password, keyLines);
        assertThat(pushCall).contains(password);
        for (String line : keyLines) {
            assertThat(pushCall).doesNotContain(line);
        }
    }

    private static void assertNoSecret(String text, String password, List<String> keyLines) {
        assertThat(text).doesNotContain(password).doesNotContain("PRIVATE KEY");
        for (String line : keyLines) {
            assertThat(text).doesNotContain(line);
        }
    }
}
