package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.ssh.RunningSshAgent;
import io.jenkins.plugins.containerbuild.engine.ssh.TestKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code RUN --mount=type=ssh} steps on each lab daemon's BuildKit reach the keys of the request through the
 * session's SSH forwarding: {@code ssh-add -l} lists them and {@code ssh-keygen -Y sign}, given only the public key,
 * signs through the agent; the signature comes back in the step's output and {@code ssh-keygen -Y verify} on this
 * machine accepts it. The key text and its passphrase appear in no event. An abort while a step holds an agent
 * connection leaves nothing behind.
 */
class SshForwardBuildTest {

    private static final String PASS = "build pass phrase";

    private static final String EVERY_STORE = "io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore";

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void buildStepsSignWithEveryKeyType(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Path keys = Files.createDirectories(dir.resolve("keys"));
        List<TestKeys.Key> all = List.of(TestKeys.sshKeygen(keys, "ed25519", "ed25519", 0, null, ""),
                TestKeys.sshKeygen(keys, "rsa", "rsa", 3072, null, ""),
                TestKeys.openssl(keys, "ecdsa", "ec-p384", ""),
                TestKeys.sshKeygen(keys, "protected", "ed25519", 0, null, PASS));
        TestKeys.Key deploy = TestKeys.sshKeygen(keys, "deploy", "ecdsa", 256, "PEM", "");
        StringBuilder dockerfile = new StringBuilder("FROM " + daemon.sshImage() + "\nCOPY . /work/\n"
                + "RUN --mount=type=ssh ssh-add -l\n"
                + "RUN --mount=type=ssh,id=deploy ssh-add -L\n");
        String nonce = Long.toHexString(System.nanoTime()); // no step may come from an earlier run's cache
        for (TestKeys.Key key : all) {
            String name = key.publicFile().getFileName().toString();
            Files.copy(key.publicFile(), ctx.resolve(name));
            Files.writeString(ctx.resolve(name + ".msg"), "signed in a build with " + name + " " + nonce + "\n");
            dockerfile.append("RUN --mount=type=ssh ssh-keygen -q -Y sign -f /work/").append(name)
                    .append(" -n containerbuild /work/").append(name).append(".msg && echo SIG ").append(name)
                    .append(" && cat /work/").append(name).append(".msg.sig\n");
        }
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile.toString());
        List<SshKey> keysOfDefault = new ArrayList<>();
        for (TestKeys.Key key : all) {
            keysOfDefault.add(SshKey.of(key.privateText(), key == all.get(3) ? PASS : null));
        }
        String tag = "localhost/cb-ssh-" + ProcessHandle.current().pid() + ":1";
        BuildRequest request = BuildRequest.builder(ctx).networkMode("none").tag(tag)
                .ssh("default", keysOfDefault)
                .ssh("deploy", List.of(SshKey.of(deploy.privateText(), null)))
                .build();
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            engine.build(request);
        } finally {
            request.destroySecrets();
            LabSupport.removeImages(daemon, tag);
        }

        List<String> lines = outputLines(events);
        assertThat(lines).as("ssh-add -l lists the four keys of the default id")
                .filteredOn(l -> l.matches("\\d+ SHA256:\\S+ containerbuild \\((ED25519|RSA|ECDSA)\\)"))
                .hasSize(4);
        assertThat(lines).as("the deploy id offers its own key only").contains(deploy.publicKey() + " containerbuild")
                .noneMatch(l -> all.stream().anyMatch(k -> l.startsWith(k.publicKey())));
        for (TestKeys.Key key : all) {
            String name = key.publicFile().getFileName().toString();
            Path signature = dir.resolve(name + ".sig");
            Files.writeString(signature, signatureAfter(lines, "SIG " + name));
            assertThat(TestKeys.verify(dir, key, ctx.resolve(name + ".msg"), signature))
                    .as("ssh-keygen -Y verify accepts the signature made with " + name).isZero();
        }
        String text = events.allText();
        for (TestKeys.Key key : List.of(all.get(0), all.get(1), all.get(2), all.get(3), deploy)) {
            for (String line : key.privateText().lines().toList()) {
                if (!line.startsWith("-----") && line.length() > 8) {
                    assertThat(text).as("no line of a private key in the events").doesNotContain(line);
                }
            }
        }
        assertThat(text).doesNotContain(PASS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void aRunningAgentIsForwardedAndStaysAsItWas(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        TestKeys.Key key = TestKeys.sshKeygen(dir, "agentkey", "rsa", 2048, null, "");
        Files.copy(key.publicFile(), ctx.resolve("key.pub"));
        String nonce = Long.toHexString(System.nanoTime());
        Files.writeString(ctx.resolve("msg"), "signed by the machine's agent " + nonce + "\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.sshImage() + "\nCOPY . /work/\n"
                + "RUN --mount=type=ssh ssh-add -D; ssh-add -x </dev/null; ssh-add -l\n"
                + "RUN --mount=type=ssh ssh-keygen -q -Y sign -f /work/key.pub -n containerbuild /work/msg"
                + " && echo SIG && cat /work/msg.sig\n");
        String tag = "localhost/cb-ssh-agent-" + ProcessHandle.current().pid() + ":1";
        RecordingSink events = new RecordingSink();
        try (RunningSshAgent agent = RunningSshAgent.start(dir)) {
            assertThat(agent.sshAdd(key.privateFile().toString()).exitCode()).isZero();
            BuildRequest request = BuildRequest.builder(ctx).networkMode("none").tag(tag)
                    .sshAgent("default", agent.socket()).build();
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
                engine.build(request);
            } finally {
                LabSupport.removeImages(daemon, tag);
            }
            assertThat(agent.sshAdd("-L").stdout()).as("the build could neither remove the key nor lock the agent")
                    .contains(key.publicKey());
        }
        List<String> lines = outputLines(events);
        assertThat(lines).anyMatch(l -> l.contains("SHA256:") && l.endsWith("(RSA)"));
        Path signature = dir.resolve("msg.sig");
        Files.writeString(signature, signatureAfter(lines, "SIG"));
        assertThat(TestKeys.verify(dir, key, ctx.resolve("msg"), signature)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void anIdTheRequestDoesNotForwardFailsARequiredMountClearly(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "ed25519", 0, null, "");
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        String nonce = Long.toHexString(System.nanoTime());
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.sshImage() + "\n"
                + "RUN --mount=type=ssh,id=other test -S \"$SSH_AUTH_SOCK\" || echo no agent " + nonce + "\n"
                + "RUN --mount=type=ssh,id=nope,required=true ssh-add -l\n");
        BuildRequest request = BuildRequest.builder(ctx).networkMode("none")
                .tag("localhost/cb-ssh-missing-" + ProcessHandle.current().pid() + ":1")
                .ssh("default", List.of(SshKey.of(key.privateText(), null))).build();
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            assertThatThrownBy(() -> engine.build(request))
                    .isInstanceOf(BuildFailedException.class)
                    .hasMessageContaining("no SSH agent or key is forwarded under the id 'nope' (this build forwards"
                            + " default)");
        }
        assertThat(outputLines(events)).as("an optional mount of an unknown id is left out")
                .contains("no agent " + nonce);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void withoutSshForwardsTheSessionOffersNoAgent(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.sshImage() + "\n"
                + "RUN --mount=type=ssh,required=true ssh-add -l " + System.nanoTime() + "\n");
        BuildRequest request = BuildRequest.builder(ctx).networkMode("none")
                .tag("localhost/cb-ssh-none-" + ProcessHandle.current().pid() + ":1").build();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            assertThatThrownBy(() -> engine.build(request))
                    .isInstanceOf(BuildFailedException.class)
                    .hasMessageContaining("no SSH key") // BuildKit's own words for a session without the service
                    .hasMessageContaining("forwarded from the client");
        }
    }

    @Test
    void anUnreachableAgentSocketFailsBeforeTheBuild(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + Lab.get().engine20().sshImage() + "\n");
        Path socket = dir.resolve("no-agent.sock");
        BuildRequest request = BuildRequest.builder(dir).tag("localhost/cb-ssh-unreachable:1")
                .sshAgent("default", socket).build();
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(Lab.get().dood(), events)) {
            assertThatThrownBy(() -> engine.build(request))
                    .isInstanceOf(ContainerEngineException.class)
                    .hasMessageStartingWith("The SSH agent for id 'default' cannot be reached at " + socket)
                    .hasMessageEndingWith("start ssh-agent and give its socket ($SSH_AUTH_SOCK).");
        }
        assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.StepStarted);
    }

    /**
     * An abort while a {@code RUN --mount=type=ssh} step holds a connection to the forwarded agent (ssh-keygen has
     * asked the agent for its keys and waits for the message to sign on stdin): the build ends with the interrupt, and
     * nothing is left: no step process, no container, no session thread (platform or virtual), no connection held to
     * a running agent (which keeps running, with its key), no agent socket left by the daemon, no process of this JVM
     * but the test's agent, no temporary file, none holding the key; the next build works.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in-memory agent", "running ssh-agent"})
    void anAbortWhileAStepHoldsAnAgentConnectionLeavesNothing(String source, @TempDir Path dir) throws Exception {
        boolean relay = source.startsWith("running");
        Lab lab = Lab.get();
        TestKeys.Key key = TestKeys.sshKeygen(dir, "abortkey", "ed25519", 0, null, "");
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.copy(key.publicFile(), ctx.resolve("key.pub"));
        String namespace = LabSupport.unique("abort");
        String marker = LabSupport.unique("ssh-abort");
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        String signer = "ssh-keygen -q -Y sign -f /work/key.pub -n " + namespace;
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + sshImage() + "\nCOPY key.pub /work/key.pub\n"
                + "RUN --mount=type=ssh,required=true echo " + marker + " && " + sleep + " | " + signer + "\n");
        RunningSshAgent agent = relay ? RunningSshAgent.start(dir) : null;
        try {
            BuildRequest.Builder request = BuildRequest.builder(ctx).networkMode("none");
            if (relay) {
                assertThat(agent.sshAdd(key.privateFile().toString()).exitCode()).isZero();
                request.sshAgent("default", agent.socket());
            } else {
                request.ssh("default", List.of(SshKey.of(key.privateText(), null)));
            }
            StepLeftovers leftovers = StepLeftovers.begin();
            FaultCheck check = FaultCheck.begin(LabSupport.unique("SshForwardBuildTest-abort"));
            check.searchFilesFor(DiskSnapshot.keyForms(key.privateText()));
            RecordingSink events = new RecordingSink();
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.CompletableFuture<Void> seen = new java.util.concurrent.CompletableFuture<>();
            events.when(e -> e instanceof EngineEvent.StepOutput o && o.line().contains(marker), () -> seen.complete(null));
            try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
                Thread worker = new Thread(() -> {
                    try {
                        engine.build(request.build());
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                }, "ssh-abort-worker");
                worker.start();
                seen.get(2, java.util.concurrent.TimeUnit.MINUTES);
                // the step's ssh-keygen has connected through the forwarded socket, and the daemon has opened the
                // session stream for it (to the running agent: a connection there too)
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                while (!StepLeftovers.holdsASocket(signer) || FaultCheck.sessionThreads().size() < 2
                        || (relay && agent.connections() < 1)) {
                    assertThat(worker.isAlive()).as("the build still runs: %s", thrown.get()).isTrue();
                    assertThat(System.nanoTime()).as("the step's agent connection never opened").isLessThan(deadline);
                    Thread.sleep(50);
                }
                // the checks below see what they look for while the step runs
                assertThat(FaultCheck.sessionThreads()).as("session threads during the step")
                        .contains("containerbuild-session");
                assertThat(leftovers.agentSockets()).as("the step's agent socket").isNotEmpty();
                worker.interrupt();
                worker.join(java.util.concurrent.TimeUnit.SECONDS.toMillis(120));
                assertThat(worker.isAlive()).as("the build ended after the interrupt").isFalse();
                assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while ((StepLeftovers.running(sleep) || StepLeftovers.running(signer) || !FaultCheck.sessionThreads().isEmpty()
                    || (relay && agent.connections() > 0) || !leftovers.agentSockets().isEmpty())
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(StepLeftovers.running(sleep) || StepLeftovers.running(signer))
                    .as("the step's processes were stopped").isFalse();
            assertThat(FaultCheck.sessionThreads()).as("no session thread left").isEmpty();
            assertThat(leftovers.agentSockets()).as("no agent socket left by the daemon").isEmpty();
            if (relay) {
                assertThat(agent.connections()).as("no connection left open to the running agent").isZero();
                assertThat(agent.isAlive()).isTrue();
                assertThat(agent.sshAdd("-L").stdout()).as("the agent keeps its key").contains(key.publicKey());
            }
            assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .filter(p -> !relay || p.pid() != agent.pid()).map(p -> p.info().commandLine().orElse("?")).toList())
                    .as("no process of this JVM left but the test's agent").isEmpty();
            assertThat(lab.docker("ps", "-aq", "--filter", "ancestor=" + sshImage()).strip()).isEmpty();
            String text = events.allText();
            for (String line : key.privateText().lines().filter(l -> l.length() >= 16 && !l.startsWith("-----")).toList()) {
                assertThat(text).as("no line of the key in the events").doesNotContain(line);
            }
            check.assertNothingLeft();
            FaultCheck.assertNextBuildSucceeds(lab.dood(), lab.baseImage(), Files.createDirectories(dir.resolve("next")));
        } finally {
            if (agent != null) {
                agent.close();
            }
        }
    }

    private static String sshImage() {
        return Lab.get().engine20().sshImage();
    }

    private static List<String> outputLines(RecordingSink events) {
        List<String> lines = new ArrayList<>();
        for (EngineEvent e : events.events) {
            if (e instanceof EngineEvent.StepOutput o) {
                lines.add(o.line().strip());
            }
        }
        return lines;
    }

    /** The armored signature printed after the marker line. */
    private static String signatureAfter(List<String> lines, String marker) {
        int at = lines.indexOf(marker);
        assertThat(at).as("the step printed " + marker).isNotNegative();
        StringBuilder sig = new StringBuilder();
        for (String line : lines.subList(at + 1, lines.size())) {
            sig.append(line).append('\n');
            if (line.equals("-----END SSH SIGNATURE-----")) {
                return sig.toString();
            }
        }
        throw new AssertionError("no complete signature after " + marker + ": " + sig);
    }
}
