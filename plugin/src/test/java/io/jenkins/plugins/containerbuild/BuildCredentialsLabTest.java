package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.times;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.DiskSnapshot;
import io.jenkins.plugins.containerbuild.engine.DisposableDaemon;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.SavedImage;
import io.jenkins.plugins.containerbuild.engine.TlsAuthRegistry;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.MockedStatic;

/**
 * containerBuild with Jenkins credentials inside the build, run as Jenkins runs it (the step execution, the
 * callable serialized and invoked on the workspace) on the lab's daemon: a private base image from the htpasswd
 * registry and from a TLS registry with pull credentials, for both builders, Secret text and Secret file reaching RUN
 * byte for byte (and in no layer, no image config, no log line and not in the daemon's log), an SSH agent for
 * {@code RUN --mount=type=ssh}, and a local output written into the workspace. The values show in no log line.
 */
@ExtendWith(JenkinsStatics.class)
class BuildCredentialsLabTest {

    private static Lab lab;
    private static TlsAuthRegistry tlsRegistry;
    private static DisposableDaemon tlsDaemon;

    @TempDir
    Path workspace;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    @AfterAll
    static void stopTheTlsRegistry() throws Exception {
        try (TlsAuthRegistry r = tlsRegistry; DisposableDaemon d = tlsDaemon) {
            tlsRegistry = null;
            tlsDaemon = null;
        }
    }

    static Stream<Arguments> buildersAndRegistries() {
        return Stream.of("buildkit", "classic").flatMap(b -> Stream.of(Arguments.of(b, "htpasswd"),
                Arguments.of(b, "tls")));
    }

    /**
     * A base image only the registry has (the local tag is removed), pulled with the step's credentials, by both
     * builders from the htpasswd registry (on the lab's daemon) and from a TLS registry with a login (the engine
     * tests' {@link TlsAuthRegistry}, under the machine's host name, on a {@link DisposableDaemon} started after it,
     * whose BuildKit reads the registry's certificate when it starts). Without the registry, or with the
     * credentials for another one, the pull is refused.
     */
    @ParameterizedTest(name = "{0} from the {1} registry")
    @MethodSource("buildersAndRegistries")
    void aPrivateBaseImageIsPulledWithTheRegistrysCredentials(String builder, String which) throws Exception {
        boolean tls = which.equals("tls");
        if (tls && tlsRegistry == null) {
            tlsRegistry = new TlsAuthRegistry();
            tlsDaemon = new DisposableDaemon();
        }
        String host = tls ? tlsRegistry.host() : lab.authRegistry();
        String id = Fixtures.unique();
        String base = host + "/containerbuild-plugin/private-base-" + id + ":1";
        lab.docker("tag", lab.baseImage(), base);
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), e -> { })) {
            engine.push(PushRequest.builder().tag(base).credentials(lab.registryCredentials()).retries(0).build());
        } finally {
            lab.docker("rmi", base);
        }
        created.add(base);
        Fixtures.context(workspace, "app", base, "private-" + id);
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setBuilder(builder);
        build.setNetwork("none");
        build.setPull(true); // the daemon asks the registry each time, also after a pull that kept the image
        if (tls) {
            DoodDaemon daemon = new DoodDaemon();
            daemon.setSocket(tlsDaemon.socket().toString());
            build.setDaemon(daemon);
        }
        PullRegistry registry = new PullRegistry();
        registry.setUrl((tls ? "https://" : "http://") + host);
        registry.setCredentialsId("registry");
        PullRegistry elsewhere = new PullRegistry();
        elsewhere.setUrl(tls ? "http://" + lab.authRegistry() : "https://" + lab.tlsRegistry());
        elsewhere.setCredentialsId("registry");

        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials c = Fixtures.registryCredentials(provider, "registry", lab);
            build.setRegistries(List.of());
            assertThatThrownBy(() -> harness.build(build)).as("without credentials").isInstanceOf(AbortException.class)
                    .hasMessageNotContaining(lab.registryPassword());
            build.setRegistries(List.of(elsewhere));
            assertThatThrownBy(() -> harness.build(build)).as("with another registry's credentials")
                    .isInstanceOf(AbortException.class).hasMessageNotContaining(lab.registryPassword());
            assertThat(harness.log()).doesNotContain("private-" + id);

            build.setRegistries(List.of(registry));
            BuiltImage image = harness.build(build);
            if (!tls) {
                created.add(image.getImageId());
            }
            // tracked for the build with the other registry's entry, and for this one
            provider.verify(() -> CredentialsProvider.track(harness.run, c), times(2));
        }
        assertThat(harness.log()).contains("private-" + id).doesNotContain(lab.registryPassword());
    }

    @Test
    void secretTextAndSecretFileReachRunByteForByteAndNoLogLine() throws Exception {
        String id = Fixtures.unique();
        String text = "tok-" + id + "-Xk9";
        String file = "//registry.npmjs.org/:_authToken=npm-" + id + "\nalways-auth=true\n";
        Path context = Files.createDirectories(workspace.resolve("app"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=secret,id=token,required=true --mount=type=secret,id=npmrc,required=true"
                + " sha256sum /run/secrets/token /run/secrets/npmrc && cat /run/secrets/token /run/secrets/npmrc"
                + " && echo secrets-" + id + "\n");
        String tag = "containerbuild-plugin/secrets-" + id + ":1";
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setTags(List.of(tag));
        build.setNetwork("none");
        build.setNoCache(true);
        build.setSecrets(List.of(new SecretMount("token", "api-token"), new SecretMount("npmrc", "npmrc-file")));

        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            BuildInputsTest.text(provider, "api-token", text);
            BuildInputsTest.file(provider, "npmrc-file", file);
            harness.build(build);
            created.add(tag);
        }
        String log = harness.log();
        assertThat(log).contains("secrets-" + id, sha256(text), sha256(file));
        assertThat(log).doesNotContain(text, "npm-" + id);
        // in no layer, no image config, no log line and not in the daemon's log: whole, in base64, or by its text
        SavedImage image = SavedImage.of(lab.hostSocket(), tag);
        String daemonLog = Files.readString(Path.of(lab.fact("LAB_DIR"), "dockerd-host.log"),
                StandardCharsets.ISO_8859_1);
        for (String secret : List.of(text, file, "npm-" + id)) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            image.assertHoldsNo("a secret of the step", bytes);
            for (String form : DiskSnapshot.forms(bytes)) {
                assertThat(log.contains(form)).as("a form of a secret (%d chars) in the build log", form.length())
                        .isFalse();
                assertThat(daemonLog.contains(form)).as("a form of a secret (%d chars) in the daemon's log",
                        form.length()).isFalse();
            }
        }
    }

    @Test
    void sshKeysAreOfferedThroughAnAgentForRunMountTypeSsh() throws Exception {
        String id = Fixtures.unique();
        Path keyFile = workspace.resolve("id_ed25519");
        Lab.exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "pass-" + id, "-C", "test", "-f",
                keyFile.toString()), Map.of(), true);
        String key = Files.readString(keyFile);
        Files.delete(keyFile);
        Files.delete(workspace.resolve("id_ed25519.pub"));
        Path context = Files.createDirectories(workspace.resolve("app"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=ssh,required=true test -S \"$SSH_AUTH_SOCK\" && echo agent-" + id + "\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setNetwork("none");
        build.setNoCache(true);
        build.setSsh(List.of(new SshMount("default", "deploy-key")));

        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            SSHUserPrivateKey c = BuildInputsTest.key(provider, "deploy-key", key, "pass-" + id);
            BuiltImage image = harness.build(build);
            created.add(image.getImageId());
            provider.verify(() -> CredentialsProvider.track(harness.run, c));
        }
        assertThat(harness.log()).contains("agent-" + id).doesNotContain("pass-" + id);
        for (String line : key.lines().filter(l -> l.length() >= 16 && !l.startsWith("-----")).toList()) {
            assertThat(harness.log()).doesNotContain(line);
        }
    }

    @Test
    void theOutputIsWrittenIntoTheWorkspaceAndOneOutsideIsRefusedBeforeTheBuild() throws Exception {
        String id = Fixtures.unique();
        Path context = Files.createDirectories(workspace.resolve("app"));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY hello.txt /out/hello.txt\n");
        Files.writeString(context.resolve("hello.txt"), "exported " + id + "\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setOutput("dist");
        BuiltImage filesOnly = harness.build(build);

        assertThat(workspace.resolve("dist/out/hello.txt")).hasContent("exported " + id);
        assertThat(filesOnly.getImageId()).as("an output without tags makes no image").isNull();
        assertThat(harness.log()).contains("Exported the build's files to dist");
        assertThat(harness.action() == null || harness.action().getImages().isEmpty())
                .as("no image is recorded for files").isTrue();

        // with tags too: the image is built and tagged, and its files exported
        Files.writeString(context.resolve("hello.txt"), "tagged " + id + "\n");
        String tag = "localhost/cb-output-" + id + ":1";
        created.add(tag);
        build.setTags(java.util.List.of(tag));
        BuiltImage both = harness.build(build);
        assertThat(both.getImageId()).startsWith("sha256:");
        assertThat(both.getTags()).containsExactly(tag);
        assertThat(workspace.resolve("dist/out/hello.txt")).hasContent("tagged " + id);
        assertThat(harness.action().getImages()).extracting(ImageRecord::getImageId).containsExactly(both.getImageId());
        build.setTags(java.util.List.of());

        build.setOutput("../outside-" + id);
        assertThatThrownBy(() -> harness.build(build)).isInstanceOf(AbortException.class)
                .hasMessageStartingWith("Output directory '../outside-" + id + "' is outside the workspace");
        assertThat(workspace.resolveSibling("outside-" + id)).doesNotExist();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
