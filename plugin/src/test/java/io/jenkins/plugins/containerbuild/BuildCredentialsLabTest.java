package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.MockedStatic;

/**
 * containerBuild with Jenkins credentials inside the build, run as Jenkins runs it (the step execution, the
 * callable serialized and invoked on the workspace) on the lab's daemon: a private base image from the htpasswd
 * registry with pull credentials, Secret text and Secret file reaching RUN byte for byte, an SSH agent for
 * {@code RUN --mount=type=ssh}, and a local output written into the workspace. The values show in no log line.
 */
@ExtendWith(JenkinsStatics.class)
class BuildCredentialsLabTest {

    private static Lab lab;

    @TempDir
    Path workspace;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    /** A base image only the htpasswd registry has (the local tag is removed), pulled with the step's credentials. */
    @ParameterizedTest
    @ValueSource(strings = {"buildkit", "classic"})
    void aPrivateBaseImageIsPulledWithTheRegistrysCredentials(String builder) throws Exception {
        String id = Fixtures.unique();
        String base = lab.authRegistry() + "/containerbuild-plugin/private-base-" + id + ":1";
        lab.docker("tag", lab.baseImage(), base);
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), e -> { })) {
            engine.push(PushRequest.builder().tag(base).credentials(lab.registryCredentials()).retries(0).build());
        }
        lab.docker("rmi", base);
        created.add(base);
        Fixtures.context(workspace, "app", base, "private-" + id);
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setBuilder(builder);
        build.setNetwork("none");
        PullRegistry registry = new PullRegistry();
        registry.setUrl("http://" + lab.authRegistry());
        registry.setCredentialsId("registry");
        build.setRegistries(List.of(registry));

        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials c = Fixtures.registryCredentials(provider, "registry", lab);
            BuiltImage image = harness.build(build);
            created.add(image.getImageId());
            provider.verify(() -> CredentialsProvider.track(harness.run, c));
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
        String history = lab.docker("history", "--no-trunc", tag) + lab.docker("image", "inspect", tag);
        assertThat(history).doesNotContain(text, "npm-" + id);
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
