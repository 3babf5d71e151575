package io.jenkins.plugins.containerbuild.cli;

import static io.jenkins.plugins.containerbuild.cli.SecretSpecTest.assertUsageError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.SshForward;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --ssh} as the docker CLI takes it, keys read by the CLI, and the exit-2 cases (a passphrase among them). */
class SshSpecTest {

    @TempDir
    Path dir;

    @Test
    void parsesIdsAndPaths() {
        assertThat(SshSpec.parse("default")).isEqualTo(new SshSpec("default", List.of()));
        assertThat(SshSpec.parse("github")).isEqualTo(new SshSpec("github", List.of()));
        assertThat(SshSpec.parse("=a")).isEqualTo(new SshSpec("default", List.of("a")));
        assertThat(SshSpec.parse("github=k1,k2")).isEqualTo(new SshSpec("github", List.of("k1", "k2")));
        assertThatThrownBy(() -> SshSpec.parse("github=")).hasMessageContaining("--ssh 'github=' is malformed");
        assertThatThrownBy(() -> SshSpec.parse("github=a,,b")).hasMessageContaining("empty path");
    }

    @Test
    void keyFilesBecomeTheEnginesAgentKeys() throws Exception {
        Path ed = keygen("ed25519", "", "openssh");
        Path rsa = keygen("rsa", "", "PEM");
        BuildRequest request = request(Map.of(), "--ssh", "default=" + ed + "," + rsa.getFileName(),
                "--ssh", "other=" + ed);
        assertThat(request.ssh()).containsOnlyKeys("default", "other");
        SshForward.Keys keys = (SshForward.Keys) request.ssh().get("default");
        assertThat(keys.keys()).hasSize(2);
        assertThat(((SshForward.Keys) request.ssh().get("other")).keys()).hasSize(1);
        assertThat(request.ssh().toString()).doesNotContain("PRIVATE KEY")
                .doesNotContain(Files.readString(ed).lines().skip(1).findFirst().orElseThrow());
    }

    @Test
    void noPathForwardsTheAgentAtSshAuthSock() throws Exception {
        Path sock = dir.resolve("agent.sock");
        try (ServerSocketChannel agent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            agent.bind(UnixDomainSocketAddress.of(sock));
            BuildRequest request = request(Map.of("SSH_AUTH_SOCK", sock.toString()), "--ssh", "default");
            assertThat(request.ssh().get("default")).isEqualTo(new SshForward.Agent(sock));
            // a socket named as the path is an agent too
            request = request(Map.of(), "--ssh", "git=" + sock);
            assertThat(request.ssh().get("git")).isEqualTo(new SshForward.Agent(sock));
            Path key = keygen("ed25519", "", "openssh");
            assertUsageError(build(Map.of(), "--ssh", "git=" + sock + "," + key), "--ssh git",
                    "either one agent socket or key files");
        }
    }

    @Test
    void aKeyWithAPassphraseIsRefusedBecauseTheCliCannotPrompt() throws Exception {
        for (String[] kind : new String[][] {{"ed25519", "openssh"}, {"rsa", "PEM"}, {"ecdsa", "PKCS8"}}) {
            Path key = keygen(kind[0], "s3cret-pass", kind[1]);
            assertThat(SshSpec.needsPassphrase(Files.readString(key))).as(kind[0] + " " + kind[1]).isTrue();
            CliRun r = build(Map.of(), "--ssh", "default=" + key);
            assertUsageError(r, "--ssh default", key.toString(), "passphrase", "ssh-add");
            assertThat(r.err()).doesNotContain("PRIVATE KEY");
            Path plain = keygen(kind[0], "", kind[1]);
            assertThat(SshSpec.needsPassphrase(Files.readString(plain))).as(kind[0] + " " + kind[1]).isFalse();
        }
    }

    @Test
    void badInputIsAUsageErrorNamingTheFlag() throws Exception {
        Map<String, String> noAgent = new HashMap<>();
        assertUsageError(build(noAgent, "--ssh", "default"), "--ssh default", "SSH_AUTH_SOCK is not set");
        Path plainFile = Files.writeString(dir.resolve("not-a-socket"), "x");
        assertUsageError(build(Map.of("SSH_AUTH_SOCK", plainFile.toString()), "--ssh", "default"),
                "--ssh default", "which is not a socket");
        assertUsageError(build(Map.of(), "--ssh", "default=" + dir.resolve("nope")), "--ssh default",
                "nope does not exist");
        assertUsageError(build(Map.of(), "--ssh", "default=" + dir), "--ssh default",
                "is neither a key file nor an agent socket");
        assertUsageError(build(Map.of(), "--ssh", "default=" + plainFile), "--ssh default", "not-a-socket",
                "not a private key");
        Path key = keygen("ed25519", "", "openssh");
        assertUsageError(build(Map.of(), "--ssh", "a=" + key, "--ssh", "a=" + key), "--ssh", "'a' is given twice");
        assertUsageError(build(Map.of(), "--ssh", "a b=" + key), "--ssh", "id 'a b' is invalid");
    }

    private Path keygen(String type, String passphrase, String format) {
        Path key = dir.resolve("key-" + CliRun.unique());
        List<String> cmd = new java.util.ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase,
                "-C", "test", "-f", key.toString()));
        if (!format.equals("openssh")) { // the default format
            cmd.addAll(List.of("-m", format));
        }
        Lab.exec(cmd, null, true);
        return key;
    }

    private BuildRequest request(Map<String, String> env, String... more) throws Exception {
        Options o = Arguments.parse(args(more));
        return BuildCommand.request(new Invocation(o, null, null, new ConsoleEvents(System.err), env, dir));
    }

    private CliRun build(Map<String, String> env, String... more) {
        Map<String, String> e = new HashMap<>(env);
        e.put("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        return CliRun.runWith(e, "", args(more));
    }

    private String[] args(String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "build";
        args[1] = "--context";
        args[2] = dir.toString();
        args[3] = "--tag=a:1";
        System.arraycopy(more, 0, args, 4, more.length);
        return args;
    }
}
