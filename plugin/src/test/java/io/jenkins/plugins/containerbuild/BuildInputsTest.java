package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.when;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import com.thoughtworks.xstream.XStream;
import com.thoughtworks.xstream.security.AnyTypePermission;
import hudson.AbortException;
import hudson.model.Run;
import io.jenkins.plugins.containerbuild.engine.BuildOutput;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.ssh.TestKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/**
 * The build's registries, secrets, SSH keys and output as the step and the freestyle step take them, how the
 * controller resolves them (credentials as the run, tracked, the wrong kind refused by name), and where the secrets
 * may and may not go: the build callable carries them, the log masks them line by line, and nothing Jenkins keeps
 * (the step, the job's builder through XStream) holds more than ids.
 */
@ExtendWith(JenkinsStatics.class)
class BuildInputsTest {

    /**
     * A multi-line secret as a key file is (every line must be masked on its own, too): a real Ed25519 key encrypted
     * with "open sesame", made by the host's ssh-keygen for this run, since the agent side parses keys.
     */
    static final String KEY = generateKey("open sesame");

    static String generateKey(String passphrase) {
        try {
            Path dir = Files.createTempDirectory("cb-key");
            try {
                return TestKeys.sshKeygen(dir, "id", "ed25519", 0, null, passphrase).privateText();
            } finally {
                try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
                Files.delete(dir);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TempDir
    Path workspace;

    private final Run<?, ?> run = mock(Run.class);

    @Test
    void theShortFormsOfAJenkinsfileBecomeEntries() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("tags", List.of("app:1"));
        args.put("registries", List.of(new StringBuilder("internal"),
                Map.of("url", "https://registry.example.com", "credentialsId", "registry-ci")));
        args.put("secrets", Map.of("npmrc", "npmrc-file"));
        args.put("ssh", Map.of("default", "github-deploy-key"));
        Map<String, Object> input = Map.copyOf(args);

        Map<String, Object> out = new ContainerBuildStep.DescriptorImpl().customInstantiate(input);

        assertThat(out.get("registries")).isEqualTo(List.of(Map.of("name", "internal"),
                Map.of("url", "https://registry.example.com", "credentialsId", "registry-ci")));
        assertThat(out.get("secrets")).isEqualTo(List.of(Map.of("id", "npmrc", "credentialsId", "npmrc-file")));
        assertThat(out.get("ssh")).isEqualTo(List.of(Map.of("id", "default", "credentialsId", "github-deploy-key")));
        assertThat(out.get("tags")).isEqualTo(List.of("app:1"));
        assertThat(input).as("structs' input is left as it is").isEqualTo(Map.copyOf(args));
        // the long forms (what the Snippet Generator writes) and a single name pass or become a list
        List<Object> longForm = List.of(Map.of("id", "npmrc", "credentialsId", "npmrc-file"));
        assertThat(ContainerBuildStep.shortForms(Map.of("secrets", longForm)).get("secrets")).isEqualTo(longForm);
        assertThat(ContainerBuildStep.shortForms(Map.of("registries", "internal")).get("registries"))
                .isEqualTo(List.of(Map.of("name", "internal")));
    }

    @Test
    void entriesAreKeptAsGivenAndCheckedWhenTheStepStarts() throws Exception {
        ContainerBuildStep s = new ContainerBuildStep();
        assertThat(s.getRegistries()).isEmpty();
        assertThat(s.getSecrets()).isEmpty();
        assertThat(s.getSsh()).isEmpty();
        assertThat(s.getOutput()).isNull();

        PullRegistry both = url("https://reg.example.com", "c");
        both.setName("internal");
        s.setRegistries(List.of(both));
        assertThat(s.getRegistries()).containsExactly(both);
        assertInvalid(s, "name", "either name: (a registry of the global configuration) or url:");
        s.setRegistries(List.of(new PullRegistry()));
        assertInvalid(s, "name", "not both and not neither");
        s.setRegistries(List.of(url("https://reg.example.com", null)));
        assertInvalid(s, "credentialsId", "Registry https://reg.example.com has no credentialsId: give the"
                + " credentials to pull with (an open registry needs no entry).");
        s.setRegistries(List.of(url("https://Reg.example.com:5000", "a"), url("reg.example.com:5000", "b")));
        assertInvalid(s, "registries", "Registry reg.example.com:5000 is given twice in registries: give each"
                + " registry once.");
        s.setRegistries(List.of(url("https://reg.example.com/path", "c")));
        assertInvalid(s, "url", "https://HOST[:PORT]");
        PullRegistry badName = new PullRegistry();
        badName.setName("has space");
        s.setRegistries(List.of(badName));
        assertInvalid(s, "name", "'has space' is not valid");
        s.setRegistries(null);

        s.setSecrets(List.of(new SecretMount("npm rc", "x")));
        assertInvalid(s, "id", "RUN --mount=type=secret,id=npmrc");
        s.setSecrets(List.of(new SecretMount("npmrc", " ")));
        assertInvalid(s, "credentialsId", "'npmrc' names no credentials: give the id of the credentials to use for it.");
        s.setSecrets(List.of(new SecretMount("a", "x"), new SecretMount("a", "y")));
        assertInvalid(s, "secrets", "Secret id 'a' is given twice: give each secret once.");
        s.setSecrets(null);
        assertThat(new SshMount(" ", "key").getId()).isEqualTo("default");
        s.setSsh(List.of(new SshMount(null, "k1"), new SshMount("default", "k2")));
        assertInvalid(s, "ssh", "SSH id 'default' is given twice");
        s.setSsh(List.of(new SshMount("git,hub", "k1")));
        assertInvalid(s, "id", "git,hub");
        s.setSsh(null);
        s.check();
        s.setOutput("  ");
        assertThat(s.getOutput()).isNull();
        s.setOutput(" dist ");
        assertThat(s.getOutput()).isEqualTo("dist");
    }

    private static void assertInvalid(ContainerBuildStep s, String field, String messagePart) {
        InvalidValueException e = org.assertj.core.api.Assertions.catchThrowableOfType(InvalidValueException.class,
                s::check);
        assertThat(e).as("a check that fails").isNotNull().hasMessageContaining(messagePart);
        assertThat(e.field()).isEqualTo(field);
        // and the step does not start: one line for Pipeline
        assertThatThrownBy(() -> s.start(org.mockito.Mockito.mock(org.jenkinsci.plugins.workflow.steps.StepContext.class)))
                .isExactlyInstanceOf(AbortException.class).hasMessage(e.getMessage());
    }

    @Test
    void credentialsOfTheWrongKindAreRefusedNamingTheAcceptedKindsAndAreNotTracked() {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class);
             MockedStatic<AuthenticationTokens> tokens = mockStatic(AuthenticationTokens.class)) {
            SSHUserPrivateKey key = mock(SSHUserPrivateKey.class);
            StringCredentials text = mock(StringCredentials.class);
            provide(provider, "deploy-key", key);
            provide(provider, "api-token", text);

            assertThatThrownBy(() -> CredentialsLookup.secretBytes("deploy-key", run)).isInstanceOf(AbortException.class)
                    .hasMessageStartingWith("Credentials 'deploy-key' are SSHUserPrivateKey")
                    .hasMessageEndingWith("but this needs Secret text or Secret file credentials: choose credentials of"
                            + " that kind.");
            assertThatThrownBy(() -> CredentialsLookup.sshKeys("api-token", run)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("needs SSH Username with private key credentials");
            // not a username and password, and nothing converts it to a registry token
            assertThatThrownBy(() -> CredentialsLookup.registryLogin("api-token", run)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("needs Username with password (or registry token) credentials");
            assertThatThrownBy(() -> CredentialsLookup.secretBytes("missing", run)).isInstanceOf(AbortException.class)
                    .hasMessage("Credentials 'missing' were not found (or this build may not use them): add Secret text"
                            + " or Secret file credentials with this id, or fix credentialsId.");
            provider.verify(() -> CredentialsProvider.track(any(Run.class), any()), never());
        }
    }

    @Test
    void tokenCredentialsGiveTheLoginInsideTheirTokenForPullsAndPushes() throws Exception {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class);
             MockedStatic<AuthenticationTokens> tokens = mockStatic(AuthenticationTokens.class)) {
            StandardCredentials ecr = mock(StandardCredentials.class);
            provide(provider, "ecr", ecr);
            DockerRegistryToken token = mock(DockerRegistryToken.class);
            when(token.getToken()).thenReturn(Base64.getEncoder().encodeToString(
                    "AWS:eyJwYXlsb2FkIjoi:with:colons".getBytes(StandardCharsets.UTF_8)));
            tokens.when(() -> AuthenticationTokens.convert(DockerRegistryToken.class, ecr)).thenReturn(token);

            RegistryLogin login = CredentialsLookup.registryLogin("ecr", run);

            assertThat(login.toEngine().username()).isEqualTo("AWS");
            assertThat(login.toEngine().password()).isEqualTo("eyJwYXlsb2FkIjoi:with:colons");
            provider.verify(() -> CredentialsProvider.track(run, ecr));

            when(token.getToken()).thenReturn("not base64!");
            assertThatThrownBy(() -> CredentialsLookup.registryLogin("ecr", run)).isInstanceOf(AbortException.class)
                    .hasMessage("Credentials 'ecr' gave a registry token that is not the base64 of user:password:"
                            + " check the credentials, or the plugin that issues such tokens.");
        }
    }

    @Test
    void theControllerResolvesEveryEntryAsTheRunAndTheAgentPutsThemIntoTheRequest() throws Exception {
        NamedRegistry internal = new NamedRegistry("internal", "https://registry.internal:5443");
        internal.setCredentialsId("internal-ci");
        NamedRegistry open = new NamedRegistry("open", "open.example.com");
        JenkinsStatics.configuration().setRegistries(List.of(internal, open));
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials ci = mock(StandardUsernamePasswordCredentials.class);
            when(ci.getUsername()).thenReturn("ci");
            hudson.util.Secret pw = Fixtures.secret("pw-internal");
            when(ci.getPassword()).thenReturn(pw);
            provider.when(() -> CredentialsProvider.findCredentialById(eq("internal-ci"),
                    eq(StandardUsernamePasswordCredentials.class), any())).thenReturn(ci);
            StringCredentials token = text(provider, "api-token", "tok-3n1x\n");
            FileCredentials npmrc = file(provider, "npmrc-file", "//registry.npmjs.org/:_authToken=npm-s3cr3t\n");
            SSHUserPrivateKey key = key(provider, "deploy-key", KEY, "open sesame");

            ContainerBuildStep step = new ContainerBuildStep();
            step.setRegistries(List.of(PullRegistry.named("internal")));
            step.setSecrets(List.of(new SecretMount("token", "api-token"), new SecretMount("npmrc", "npmrc-file")));
            step.setSsh(List.of(new SshMount("default", "deploy-key")));
            step.setOutput("dist");
            ResolvedInputs resolved = step.inputs().resolve(run);

            provider.verify(() -> CredentialsProvider.track(run, ci));
            provider.verify(() -> CredentialsProvider.track(run, token));
            provider.verify(() -> CredentialsProvider.track(run, npmrc));
            provider.verify(() -> CredentialsProvider.track(run, key));
            assertThat(resolved).hasToString("ResolvedInputs[1 registries, 2 secrets, 1 SSH ids, output=dist]");

            BuildRequest.Builder b = BuildRequest.builder(workspace);
            StepHarness.roundTrip(resolved).applyTo(b, workspace);
            BuildRequest request = b.build();
            assertThat(request.pullCredentials()).containsOnlyKeys("registry.internal:5443");
            assertThat(request.pullCredentials().get("registry.internal:5443").password()).isEqualTo("pw-internal");
            assertThat(request.secrets().get("token").bytes()).isEqualTo("tok-3n1x\n".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(request.secrets().get("npmrc").bytes(), StandardCharsets.UTF_8))
                    .isEqualTo("//registry.npmjs.org/:_authToken=npm-s3cr3t\n");
            assertThat(request.ssh()).containsOnlyKeys("default");
            assertThat(request.output()).isEqualTo(new BuildOutput.Local(workspace.toAbsolutePath().resolve("dist")));

            // a registry of the global configuration without credentials, and an unknown name, fail by name
            ContainerBuildStep other = new ContainerBuildStep();
            other.setRegistries(List.of(PullRegistry.named("open")));
            assertThatThrownBy(() -> other.inputs().resolve(run)).isInstanceOf(AbortException.class)
                    .hasMessageStartingWith("Registry 'open' of the global configuration has no credentials");
            other.setRegistries(List.of(PullRegistry.named("nowhere")));
            assertThatThrownBy(() -> other.inputs().resolve(run)).isInstanceOf(AbortException.class)
                    .hasMessageStartingWith("Registry 'nowhere' is not in the global configuration");
        }
    }

    @Test
    void anOutputOutsideTheWorkspaceIsRefusedBeforeTheBuild() throws Exception {
        Path outside = Files.createDirectories(workspace.resolveSibling(workspace.getFileName() + "-outside"));
        Files.createSymbolicLink(workspace.resolve("link"), outside);
        try {
            for (String bad : List.of("../elsewhere", "/tmp", "link/dist", "link")) {
                ResolvedInputs r = new ResolvedInputs(Map.of(), Map.of(), Map.of(), bad);
                assertThatThrownBy(() -> r.applyTo(BuildRequest.builder(workspace), workspace)).as(bad)
                        .isInstanceOf(AbortException.class)
                        .hasMessageStartingWith("Output directory '" + bad + "' is outside the workspace");
            }
            assertThat(outside.resolve("dist")).doesNotExist();
        } finally {
            Files.delete(workspace.resolve("link"));
            Files.delete(outside);
        }
    }

    /**
     * Every password, secret value, key and passphrase is masked in the log, each line of a multi-line one too,
     * whether it arrives whole or a line at a time (as a RUN step prints a file).
     */
    @Test
    void everySecretAndEachOfItsLinesIsMaskedInTheLog() {
        String fileSecret = "registry=https://npm.example.com\n//npm.example.com/:_authToken=npm-s3cr3t\n{\n}\n";
        ResolvedInputs r = new ResolvedInputs(Map.of("reg:5000", new RegistryLogin("ci", "pw-Xk9")),
                Map.of("npmrc", fileSecret.getBytes(StandardCharsets.UTF_8),
                        "binary", new byte[] {(byte) 0xff, (byte) 0xfe, 0}),
                Map.of("default", List.of(new ResolvedInputs.KeyText(KEY, "open sesame"))), null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BuildLog log = new BuildLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), "containerBuild", r.masks());

        log.accept(new EngineEvent.StepOutput("#5 [2/2] RUN cat", KEY + fileSecret));
        for (String line : (KEY + fileSecret).split("\n")) {
            log.accept(new EngineEvent.StepOutput("#5 [2/2] RUN cat", "prefix " + line + " suffix"));
        }
        log.line("login with pw-Xk9 and passphrase open sesame");
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("prefix **** suffix", "login with **** and passphrase ****");
        assertThat(out).doesNotContain("pw-Xk9", "open sesame", "npm-s3cr3t", "npm.example.com", "PRIVATE KEY",
                "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
                "QyNTUxOQAAACBf0Xq7TQ7uM5aQm4LZ2kqjv1yHfH1B8ZcGm1FnU1EoJwAAAJgEsm9nBLJv");
    }

    /**
     * What Jenkins keeps: the job's builder (config.xml) written by XStream holds the ids only and reads back the
     * same; a builder saved before these options existed, and a value saved before a field existed, read as none.
     * The callable, which remoting sends to the agent, is the one place the secret values are.
     */
    @Test
    void whatJenkinsPersistsHoldsIdsOnlyAndRoundTripsThroughTheRealXStream() throws Exception {
        XStream xstream = new XStream();
        xstream.addPermission(AnyTypePermission.ANY);
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags("app:1");
        builder.setRegistries(List.of(PullRegistry.named("internal"), url("https://reg.example.com", "registry-ci")));
        builder.setSecrets(List.of(new SecretMount("npmrc", "npmrc-file")));
        builder.setSsh(List.of(new SshMount("default", "github-deploy-key")));
        builder.setOutput("dist/${BUILD_NUMBER}");

        String xml = xstream.toXML(builder);
        ContainerBuildBuilder back = (ContainerBuildBuilder) xstream.fromXML(xml);

        assertThat(xml).contains("npmrc-file", "github-deploy-key", "registry-ci", "internal");
        assertThat(back.getRegistries()).isEqualTo(builder.getRegistries());
        assertThat(back.getSecrets()).isEqualTo(builder.getSecrets());
        assertThat(back.getSsh()).isEqualTo(builder.getSsh());
        assertThat(back.getOutput()).isEqualTo("dist/${BUILD_NUMBER}");
        assertThat(back.getTags()).isEqualTo("app:1");

        // a job saved before the options existed: no <inputs> at all
        String old = xml.replaceAll("(?s)<inputs>.*</inputs>", "");
        assertThat(old).doesNotContain("npmrc");
        ContainerBuildBuilder before = (ContainerBuildBuilder) xstream.fromXML(old);
        assertThat(before.getRegistries()).isEmpty();
        assertThat(before.getSecrets()).isEmpty();
        assertThat(before.getSsh()).isEmpty();
        assertThat(before.getOutput()).isNull();
        assertThat(before.getTags()).isEqualTo("app:1");
        // a value saved before a field existed (no <ssh>, no <secrets>)
        String partial = xml.replaceAll("(?s)<ssh>.*</ssh>", "").replaceAll("(?s)<secrets>.*</secrets>", "");
        ContainerBuildBuilder partly = (ContainerBuildBuilder) xstream.fromXML(partial);
        assertThat(partly.getSsh()).isEmpty();
        assertThat(partly.getSecrets()).isEmpty();
        assertThat(partly.getRegistries()).hasSize(2);

        // the step keeps ids only (its arguments are what a Pipeline records); the callable carries the values
        ContainerBuildStep step = builder.buildStep(new hudson.EnvVars() {
            @Override
            public String expand(String s) {
                return s.replace("${BUILD_NUMBER}", "7");
            }
        });
        assertThat(step.getOutput()).isEqualTo("dist/7");
        assertThat(xstream.toXML(step)).contains("npmrc-file").doesNotContain("npm-s3cr3t");
        ResolvedInputs resolved = new ResolvedInputs(Map.of("reg.example.com", new RegistryLogin("ci", "pw-Xk9")),
                Map.of("npmrc", "npm-s3cr3t".getBytes(StandardCharsets.UTF_8)),
                Map.of("default", List.of(new ResolvedInputs.KeyText(KEY, "open sesame"))), "dist");
        ResolvedDaemon daemon = ResolvedDaemon.socket("/var/run/docker.sock");
        String wire = new String(StepHarness.serialize(new BuildImageCallable(step, daemon, resolved,
                new CapturingListener())), StandardCharsets.ISO_8859_1);
        assertThat(wire).contains("pw-Xk9", "npm-s3cr3t", "open sesame", KEY);
        String ids = new String(StepHarness.serialize(step.inputs()), StandardCharsets.ISO_8859_1);
        assertThat(ids).contains("npmrc-file").doesNotContain("pw-Xk9", "npm-s3cr3t", "open sesame", "PRIVATE KEY");
        assertThat(resolved.toString() + new ResolvedInputs.KeyText(KEY, "open sesame") + step.inputs())
                .doesNotContain("pw-Xk9", "npm-s3cr3t", "open sesame", "PRIVATE KEY");
    }

    @Test
    void theAgentOverwritesTheSecretBytesWhenTheBuildEnds() throws Exception {
        byte[] value = "s3cr3t".getBytes(StandardCharsets.UTF_8);
        ResolvedInputs r = new ResolvedInputs(Map.of(), Map.of("token", value), Map.of(), null);
        r.destroy();
        assertThat(value).containsOnly(0);
    }

    private static PullRegistry url(String url, String credentialsId) {
        PullRegistry r = new PullRegistry();
        r.setUrl(url);
        r.setCredentialsId(credentialsId);
        return r;
    }

    private static void provide(MockedStatic<CredentialsProvider> provider, String id, StandardCredentials c) {
        provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(IdCredentials.class), any()))
                .thenReturn(c);
        provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(StandardCredentials.class), any()))
                .thenReturn(c);
        if (c instanceof SSHUserPrivateKey k) {
            provider.when(() -> CredentialsProvider.findCredentialById(eq(id), eq(SSHUserPrivateKey.class), any()))
                    .thenReturn(k);
        }
    }

    static StringCredentials text(MockedStatic<CredentialsProvider> provider, String id, String value) {
        StringCredentials c = mock(StringCredentials.class);
        hudson.util.Secret s = Fixtures.secret(value);
        when(c.getSecret()).thenReturn(s);
        provide(provider, id, c);
        return c;
    }

    static FileCredentials file(MockedStatic<CredentialsProvider> provider, String id, String content) throws Exception {
        FileCredentials c = mock(FileCredentials.class);
        when(c.getFileName()).thenReturn(".npmrc");
        when(c.getContent()).thenAnswer(i -> new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
        provide(provider, id, c);
        return c;
    }

    static SSHUserPrivateKey key(MockedStatic<CredentialsProvider> provider, String id, String key, String passphrase) {
        SSHUserPrivateKey c = mock(SSHUserPrivateKey.class);
        when(c.getPrivateKeys()).thenReturn(List.of(key));
        hudson.util.Secret p = passphrase == null ? null : Fixtures.secret(passphrase);
        when(c.getPassphrase()).thenReturn(p);
        provide(provider, id, c);
        return c;
    }

}
