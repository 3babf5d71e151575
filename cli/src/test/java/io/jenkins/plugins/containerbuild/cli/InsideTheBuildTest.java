package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.DiskSnapshot;
import io.jenkins.plugins.containerbuild.engine.DisposableDaemon;
import io.jenkins.plugins.containerbuild.engine.FaultCheck;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.SavedImage;
import io.jenkins.plugins.containerbuild.engine.StepLeftovers;
import io.jenkins.plugins.containerbuild.engine.TlsAuthRegistry;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.ssh.RunningSshAgent;
import io.jenkins.plugins.containerbuild.engine.ssh.TestKeys;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line's credentials inside a real build on the lab daemon: a private base image on the htpasswd
 * registry and on a TLS registry with a login, pulled with a config.json login (an {@code auths} entry, a credential
 * helper script) by both builders; secrets from a file and a variable, SSH keys, and local and tar outputs.
 *
 * <p>The TLS registry is the engine tests' {@link TlsAuthRegistry}, under the machine's host name (BuildKit speaks
 * plain HTTP to localhost and loopback registries), and its builds run on a {@link DisposableDaemon} started after
 * it, whose BuildKit reads the registry's certificate at its start.
 */
class InsideTheBuildTest {

    private static final List<String> CREATED = new ArrayList<>();

    @TempDir
    static Path dir;

    private static Lab lab;
    private static TlsAuthRegistry tlsRegistry;
    private static DisposableDaemon tlsDaemon;
    private static final Map<String, PrivateRegistry> REGISTRIES = new HashMap<>();

    /**
     * A registry with the lab's login, the daemon the builds from it run on, and a base image only the registry has.
     * {@code otherHost} is a registry host that is not this one, for the "a login for another host" case.
     */
    private record PrivateRegistry(String host, Path daemonSocket, String privateBase, String otherHost) {}

    @BeforeAll
    static void privateBaseImages() throws Exception {
        lab = Lab.get();
        tlsRegistry = new TlsAuthRegistry();
        tlsDaemon = new DisposableDaemon();
        REGISTRIES.put("htpasswd", new PrivateRegistry(lab.authRegistry(), lab.hostSocket(),
                pushPrivateBase(lab.authRegistry()), tlsRegistry.host()));
        REGISTRIES.put("tls", new PrivateRegistry(tlsRegistry.host(), tlsDaemon.socket(),
                pushPrivateBase(tlsRegistry.host()), lab.authRegistry()));
    }

    /** Pushes busybox to {@code registry} from the host daemon and removes it there; returns its reference. */
    private static String pushPrivateBase(String registry) throws Exception {
        String ref = registry + "/cli-test/private-base-" + CliRun.unique() + ":1";
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), EventSink.discard())) {
            engine.tag(lab.baseImage(), ref);
            try {
                engine.push(PushRequest.builder().tag(ref).credentials(lab.registryCredentials()).build());
            } finally {
                engine.remove(ref); // the builds below must pull it
            }
        }
        return ref;
    }

    @AfterAll
    static void removeImages() throws Exception {
        try {
            List<String> made = new ArrayList<>(CREATED);
            PrivateRegistry onTheHost = REGISTRIES.get("htpasswd");
            if (onTheHost != null) {
                made.add(onTheHost.privateBase()); // the classic builder keeps what it pulled
            }
            CliRun.removeFromHostDaemon(made);
        } finally {
            // what the TLS registry's builds made goes with the daemon
            try (TlsAuthRegistry r = tlsRegistry; DisposableDaemon d = tlsDaemon) {
                REGISTRIES.clear();
            }
        }
    }

    private static Map<String, String> env(PrivateRegistry registry, Path config, Path bin) {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_HOST", "unix://" + registry.daemonSocket());
        env.put("DOCKER_CONFIG", config.toString());
        env.put("PATH", (bin == null ? "" : bin + ":") + "/usr/bin:/bin");
        return env;
    }

    private static Path privateContext(PrivateRegistry registry) throws Exception {
        Path context = Files.createDirectories(dir.resolve("private-" + CliRun.unique()));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + registry.privateBase()
                + "\nRUN echo pulled-privately " + CliRun.unique() + "\n"); // a step of its own: never from the cache
        return context;
    }

    private static CliRun buildFromPrivate(PrivateRegistry registry, Map<String, String> env, String builder)
            throws Exception {
        String tag = lab.plainRegistry() + "/cli-test/from-private-" + CliRun.unique() + ":1";
        if (registry.daemonSocket().equals(lab.hostSocket())) {
            CREATED.add(tag);
        }
        // --pull: the daemon must ask the registry each time, whatever it has cached from the build before
        return CliRun.runWith(env, "", "build", "--context", privateContext(registry).toString(), "--tag", tag,
                "--pull", "--network", "none", "--builder", builder, "--json");
    }

    private static String authsEntry(String host) {
        String login = lab.fact("LAB_REGISTRY_USER") + ":" + lab.registryPassword();
        return "{\"auths\": {\"" + host + "\": {\"auth\": \""
                + Base64.getEncoder().encodeToString(login.getBytes(StandardCharsets.UTF_8)) + "\"}}}";
    }

    @ParameterizedTest(name = "{0} registry")
    @ValueSource(strings = {"htpasswd", "tls"})
    void aPrivateBaseImageIsPulledWithTheAuthsEntryOnBothBuilders(String which) throws Exception {
        PrivateRegistry registry = REGISTRIES.get(which);
        Path config = Files.createDirectories(dir.resolve("auths-" + which));
        String password = lab.registryPassword();
        for (String builder : List.of("buildkit", "classic")) {
            Files.deleteIfExists(config.resolve("config.json"));
            CliRun anonymous = buildFromPrivate(registry, env(registry, config, null), builder);
            assertThat(anonymous.exit()).as(builder + " without a login: " + anonymous.err()).isEqualTo(1);

            Files.writeString(config.resolve("config.json"), authsEntry(registry.host()));
            CliRun authed = buildFromPrivate(registry, env(registry, config, null), builder);
            assertThat(authed.exit()).as(builder + ": " + authed.err()).isZero();
            assertThat(authed.json().path("imageId").asText()).startsWith("sha256:");
            assertThat(authed.err()).contains("pulled-privately").doesNotContain(password);

            // a login for another host only: this registry gets none
            Files.writeString(config.resolve("config.json"), authsEntry(registry.otherHost()));
            CliRun other = buildFromPrivate(registry, env(registry, config, null), builder);
            assertThat(other.exit()).as(builder + " with another host's login: " + other.err()).isEqualTo(1);
            for (CliRun r : List.of(anonymous, other)) {
                assertThat(r.err()).doesNotContain(password).doesNotContain("pulled-privately");
            }
        }
    }

    @ParameterizedTest(name = "{0} registry")
    @ValueSource(strings = {"htpasswd", "tls"})
    void aPrivateBaseImageIsPulledWithACredentialHelper(String which) throws Exception {
        PrivateRegistry registry = REGISTRIES.get(which);
        Path config = Files.createDirectories(dir.resolve("helper-" + which));
        Path bin = Files.createDirectories(dir.resolve("helper-bin-" + which));
        Path keychain = Files.writeString(dir.resolve("helper-keychain-" + which), lab.registryPassword());
        Path script = bin.resolve("docker-credential-test");
        Files.writeString(script, "#!/bin/sh\naddr=$(cat)\n"
                + "if [ \"$addr\" = \"" + registry.host() + "\" ]; then\n"
                + "  printf '{\"Username\":\"" + lab.fact("LAB_REGISTRY_USER") + "\",\"Secret\":\"%s\"}' \"$(cat "
                + keychain + ")\"\n"
                + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config.resolve("config.json"), "{\"credHelpers\": {\"" + registry.host()
                + "\": \"test\"}}");
        for (String builder : List.of("buildkit", "classic")) {
            CliRun r = buildFromPrivate(registry, env(registry, config, bin), builder);
            assertThat(r.exit()).as(builder + ": " + r.err()).isZero();
            assertThat(r.err()).contains("pulled-privately").doesNotContain(lab.registryPassword());
        }
        // the control: the same helper without the credHelpers entry, and the pull fails
        Files.writeString(config.resolve("config.json"), "{}");
        CliRun without = buildFromPrivate(registry, env(registry, config, bin), "buildkit");
        assertThat(without.exit()).as("without the helper: " + without.err()).isEqualTo(1);
    }

    @Test
    void secretsFromAFileAndAVariableReachRunByteForByteInAnOutput() throws Exception {
        byte[] fileSecret = {'f', 0, 1, (byte) 0xfe, '\n', 'z'};
        String envSecret = "env-s3cret-" + CliRun.unique();
        Path secretFile = Files.write(dir.resolve("file.secret"), fileSecret);
        Path context = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + " AS b\n"
                + "RUN --mount=type=secret,id=f,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " --mount=type=secret,id=absent echo " + CliRun.unique() + " && mkdir /out && cp /run/secrets/f /out/f"
                + " && cp /run/secrets/API_TOKEN /out/e && test ! -e /run/secrets/absent\n"
                + "FROM scratch\nCOPY --from=b /out /\n");
        Path out = dir.resolve("secrets-out");
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("API_TOKEN", envSecret);
        env.put("DOCKER_CONFIG", dir.resolve("no-config").toString());

        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--network", "none",
                "--secret", "id=f,src=" + secretFile, "--secret", "env=API_TOKEN", "-o", out.toString(), "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(out.resolve("f"))).isEqualTo(fileSecret);
        assertThat(Files.readString(out.resolve("e"))).isEqualTo(envSecret);
        assertThat(r.json().path("output").asText()).isEqualTo(out.toString());
        assertThat(r.err()).doesNotContain(envSecret);
        assertNowhere(r, "the file secret", fileSecret);
        assertNowhere(r, "the variable's secret", envSecret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Both kinds of secret in a tagged image: the RUN step reads them byte for byte (their sha256 sums, kept in the
     * image, match), and the saved image (every layer's files, the config with its history, the manifest), the CLI's
     * stderr and stdout, and the daemon's log hold neither, nor their base64.
     */
    @Test
    void secretsFromAFileAndAVariableStayOutOfEveryLayerTheConfigAndTheLog() throws Exception {
        String id = CliRun.unique();
        byte[] fileSecret = ("file-s3cret-" + id + "\u0000\u00ff\r\n\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        String envSecret = "env-s3cret-" + id + "-\u00e9\u4e2d";
        byte[] envBytes = envSecret.getBytes(StandardCharsets.UTF_8);
        Path secretFile = Files.write(dir.resolve("image-file.secret"), fileSecret);
        Path context = Files.createDirectories(dir.resolve("secrets-image"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=secret,id=tok,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " sha256sum /run/secrets/tok /run/secrets/API_TOKEN > /sums && echo seen " + id + "\n"
                + "RUN test ! -e /run/secrets/tok && test ! -e /run/secrets/API_TOKEN\n");
        String tag = lab.plainRegistry() + "/cli-test/secret-" + id + ":1";
        CREATED.add(tag);
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("API_TOKEN", envSecret);
        env.put("DOCKER_CONFIG", dir.resolve("no-config").toString());

        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--network", "none",
                "--no-cache", "--secret", "id=tok,src=" + secretFile, "--secret", "id=API_TOKEN,env=API_TOKEN",
                "--tag", tag, "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("seen " + id);
        SavedImage image = SavedImage.of(lab.hostSocket(), tag);
        assertThat(new String(image.file("sums"), StandardCharsets.US_ASCII)).as("what the step read")
                .isEqualTo(sha256(fileSecret) + "  /run/secrets/tok\n" + sha256(envBytes) + "  /run/secrets/API_TOKEN\n");
        // whole, and their text alone (a decoder may have mangled the other bytes)
        byte[] fileText = ("file-s3cret-" + id).getBytes(StandardCharsets.US_ASCII);
        byte[] envText = ("env-s3cret-" + id).getBytes(StandardCharsets.US_ASCII);
        image.assertHoldsNo("the file secret", fileSecret);
        image.assertHoldsNo("the variable's secret", envBytes);
        image.assertHoldsNo("the file secret's text", fileText);
        image.assertHoldsNo("the variable's secret's text", envText);
        assertNowhere(r, "the file secret", fileSecret);
        assertNowhere(r, "the variable's secret", envBytes);
        assertNowhere(r, "the file secret's text", fileText);
        assertNowhere(r, "the variable's secret's text", envText);
    }

    /** Neither the CLI's output nor the host daemon's log holds {@code secret} or its base64. */
    private static void assertNowhere(CliRun r, String what, byte[] secret) throws Exception {
        String daemonLog = new String(Files.readAllBytes(Path.of(lab.fact("LAB_DIR"), "dockerd-host.log")),
                StandardCharsets.ISO_8859_1);
        String output = new String((r.out() + r.err()).getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        for (String form : DiskSnapshot.forms(secret)) {
            assertThat(output.contains(form)).as("%s (a form of %d chars) in the CLI's output", what, form.length())
                    .isFalse();
            assertThat(daemonLog.contains(form)).as("%s (a form of %d chars) in the daemon's log", what,
                    form.length()).isFalse();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A RUN step that prints its secrets shows them masked: the CLI masks secret values as it masks passwords. */
    @Test
    void secretsARunStepPrintsAreMaskedInTheOutput() throws Exception {
        String fileSecret = "file-s3cret-" + CliRun.unique();
        String envSecret = "env-s3cret-" + CliRun.unique();
        Path secretFile = Files.writeString(dir.resolve("printed.secret"), fileSecret + "\n"); // as an editor saves it
        Path context = Files.createDirectories(dir.resolve("printed-secrets"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=secret,id=f,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " echo " + CliRun.unique() + " && cat /run/secrets/f && echo \"token: $(cat /run/secrets/API_TOKEN)\"\n");
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("API_TOKEN", envSecret);
        env.put("DOCKER_CONFIG", dir.resolve("no-config").toString());

        String tag = lab.plainRegistry() + "/cli-test/printed-secret-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--network", "none",
                "--secret", "id=f,src=" + secretFile, "--secret", "env=API_TOKEN", "--tag", tag);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).as("the step's output is shown").contains("token: ****");
        assertThat(r.err()).doesNotContain(fileSecret).doesNotContain(envSecret);
    }

    @Test
    void sshKeysAreForwardedToRun() throws Exception {
        Path key = dir.resolve("id_ed25519");
        Lab.exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cli-test", "-f", key.toString()),
                null, true);
        Path context = Files.createDirectories(dir.resolve("ssh"));
        String run = CliRun.unique(); // steps of their own: never from the cache
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=ssh echo " + run + " && test -S \"$SSH_AUTH_SOCK\" && echo agent-at-$SSH_AUTH_SOCK\n"
                + "RUN --mount=type=ssh,id=deploy,required=true test -S \"$SSH_AUTH_SOCK\" && echo deploy-agent " + run + "\n");
        String tag = lab.plainRegistry() + "/cli-test/ssh-" + CliRun.unique() + ":1";
        CREATED.add(tag);

        CliRun r = CliRun.run("build", "--context", context.toString(), "--network", "none", "--tag", tag,
                "--ssh", "default=" + key, "--ssh", "deploy=" + key);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("agent-at-/run/buildkit/ssh_agent.", "deploy-agent").doesNotContain("PRIVATE");
    }

    /**
     * {@code bin/containerbuild build --secret ... --ssh ...} stopped by SIGINT (Ctrl-C) or SIGTERM while a step holds
     * both secrets and a connection to each forwarded agent (a running ssh-agent as {@code default}, a key file as
     * {@code deploy}): the process exits 130 and says so, and nothing is left: no process of the CLI or the step, no
     * container, no connection held to the running agent (which keeps running, with its key), no agent socket left
     * by the daemon, no temporary file, and no file new or changed in the temporary folders (the CLI's stderr
     * included) holds a secret or a key; the next build works.
     */
    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    void anInterruptedBuildWithSecretsAndSshLeavesNothing(String signal, @TempDir Path run) throws Exception {
        byte[] fileSecret = ("file-secret-" + CliRun.unique() + "\u0000\n").getBytes(StandardCharsets.ISO_8859_1);
        String envSecret = "env-secret-" + CliRun.unique();
        Path secretFile = Files.write(run.resolve("tok.secret"), fileSecret);
        Path keys = Files.createDirectories(run.resolve("keys"));
        TestKeys.Key deploy = TestKeys.sshKeygen(keys, "deploy", "ed25519", 0, null, "");
        TestKeys.Key agentKey = TestKeys.sshKeygen(keys, "agent", "ecdsa", 256, null, "");
        Path ctx = Files.createDirectories(run.resolve("ctx"));
        Files.copy(deploy.publicFile(), ctx.resolve("deploy.pub"));
        Files.copy(agentKey.publicFile(), ctx.resolve("agent.pub"));
        String marker = "abort-" + CliRun.unique();
        int seconds = 100_000 + new java.util.Random().nextInt(800_000);
        String sleep = "sleep " + seconds;
        String sleepDeploy = "sleep " + (seconds + 1);
        String signAgent = "ssh-keygen -q -Y sign -f /work/agent.pub -n ns-" + marker;
        String signDeploy = "ssh-keygen -q -Y sign -f /work/deploy.pub -n ns-" + marker;
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + lab.fact("LAB_SSH_IMAGE") + "\nCOPY *.pub /work/\n"
                + "RUN --mount=type=secret,id=tok,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " --mount=type=ssh,required=true --mount=type=ssh,id=deploy,target=/run/deploy.sock,required=true"
                + " test -s /run/secrets/tok && test -s /run/secrets/API_TOKEN && echo " + marker
                + " && { " + sleepDeploy + " | SSH_AUTH_SOCK=/run/deploy.sock " + signDeploy + " & }"
                + " && " + sleep + " | " + signAgent + "\n");
        String tag = "cli-test/interrupted-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        try (RunningSshAgent agent = RunningSshAgent.start(Files.createDirectories(run.resolve("agent")))) {
            assertThat(agent.sshAdd(agentKey.privateFile().toString()).exitCode()).isZero();
            Map<String, String> env = new HashMap<>(CliRun.labEnv());
            env.put("DOCKER_CONFIG", Files.createDirectories(run.resolve("docker-config")).toString());
            env.put("API_TOKEN", envSecret);
            env.put("SSH_AUTH_SOCK", agent.socket().toString());
            StepLeftovers leftovers = StepLeftovers.begin();
            FaultCheck check = FaultCheck.begin("InsideTheBuildTest-" + CliRun.unique());
            check.searchFilesFor(DiskSnapshot.forms(fileSecret));
            check.searchFilesFor(DiskSnapshot.forms(envSecret));
            check.searchFilesFor(DiskSnapshot.keyForms(deploy.privateText()));
            check.searchFilesFor(DiskSnapshot.keyForms(agentKey.privateText()));
            Path out = run.resolve("stdout");
            Path err = run.resolve("stderr");
            Process cli = CliRun.launch(run, env, out, err, "build", "--context", ctx.toString(), "--tag", tag,
                    "--network", "none", "--secret", "id=tok,src=" + secretFile, "--secret", "id=API_TOKEN,env=API_TOKEN",
                    "--ssh", "default", "--ssh", "deploy=" + deploy.privateFile());
            List<ProcessHandle> processes = new ArrayList<>();
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5); // the launcher may build the CLI
                while (!Files.readString(err).contains(marker) || !StepLeftovers.holdsASocket(signAgent)
                        || !StepLeftovers.holdsASocket(signDeploy) || agent.connections() < 1) {
                    assertThat(cli.isAlive()).as("still building: %s", Files.readString(err)).isTrue();
                    assertThat(System.nanoTime()).as("the step never held both agents: %s", Files.readString(err))
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
                assertThat(leftovers.agentSockets()).as("the step's agent sockets").hasSizeGreaterThanOrEqualTo(2);
                processes.add(cli.toHandle());
                cli.toHandle().descendants().forEach(processes::add);
                Lab.exec(List.of("kill", "-" + signal, Long.toString(cli.pid())), null, true);
                assertThat(cli.waitFor(90, TimeUnit.SECONDS)).as("the CLI ended after SIG%s", signal).isTrue();
            } finally {
                cli.destroyForcibly();
            }
            String stderr = Files.readString(err);
            System.err.println(stderr);
            assertThat(cli.exitValue()).as("exit status after SIG%s", signal).isEqualTo(130);
            assertThat(stderr).contains("interrupted");
            assertThat(Files.readString(out)).isEmpty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((StepLeftovers.running(sleep) || StepLeftovers.running(sleepDeploy)
                    || StepLeftovers.running(signAgent) || StepLeftovers.running(signDeploy)
                    || agent.connections() > 0 || !leftovers.agentSockets().isEmpty())
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(processes).as("the CLI's processes").noneMatch(ProcessHandle::isAlive);
            assertThat(List.of(sleep, sleepDeploy, signAgent, signDeploy)).as("the step's processes")
                    .noneMatch(StepLeftovers::running);
            assertThat(agent.connections()).as("no connection left open to the running agent").isZero();
            assertThat(agent.sshAdd("-L").stdout()).as("the agent keeps its key").contains(agentKey.publicKey());
            assertThat(leftovers.agentSockets()).as("no agent socket left by the daemon").isEmpty();
            assertThat(lab.docker("ps", "-aq", "--filter", "ancestor=" + lab.fact("LAB_SSH_IMAGE")).strip()).isEmpty();
            assertThat(stderr).doesNotContain(envSecret).doesNotContain("file-secret-");
            check.assertNothingLeft();
        }
        FaultCheck.assertNextBuildSucceeds(lab.dood(), lab.baseImage(), Files.createDirectories(run.resolve("next")));
    }

    @Test
    void localAndTarOutputsKeepLinksAsLinks() throws Exception {
        Path context = Files.createDirectories(dir.resolve("outputs"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + " AS b\n"
                + "RUN echo " + CliRun.unique() + " && mkdir -p /out/sub && echo hello > /out/sub/a && ln -s sub/a /out/link\n"
                + "FROM scratch\nCOPY --from=b /out /\n");
        Path local = dir.resolve("local-out");

        CliRun toDir = CliRun.run("build", "--context", context.toString(), "--network", "none", "--output",
                "type=local,dest=" + local);

        assertThat(toDir.exit()).as(toDir.err()).isZero();
        assertThat(Files.readString(local.resolve("sub/a"))).isEqualTo("hello\n");
        assertThat(Files.isSymbolicLink(local.resolve("link"))).isTrue();
        assertThat(Files.readSymbolicLink(local.resolve("link"))).isEqualTo(Path.of("sub/a"));
        assertThat(toDir.out()).as("no image id without a tag").isEmpty();

        Path tar = dir.resolve("out.tar");
        CliRun toTar = CliRun.run("build", "--context", context.toString(), "--network", "none", "-o",
                "type=tar,dest=" + tar);

        assertThat(toTar.exit()).as(toTar.err()).isZero();
        Set<String> entries = new HashSet<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
                String name = e.getName().replaceAll("^\\./", "").replaceAll("/$", "");
                entries.add(name);
                if (name.equals("link")) {
                    assertThat(e.isSymbolicLink()).isTrue();
                    assertThat(e.getLinkName()).isEqualTo("sub/a");
                }
            }
        }
        assertThat(entries).contains("sub/a", "link");
    }
}
