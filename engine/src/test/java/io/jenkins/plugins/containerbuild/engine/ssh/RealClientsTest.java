package io.jenkins.plugins.containerbuild.engine.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH's own clients on this machine ({@code ssh-add -l}, {@code ssh-keygen -Y sign} given only the public key)
 * use the in-memory agent, and {@code ssh-keygen -Y verify} accepts what it signed; and the relay to a running
 * ssh-agent passes listing and signing on while it refuses to let anything change the agent.
 */
class RealClientsTest {

    @Test
    void sshKeygenSignsThroughTheInMemoryAgent(@TempDir Path dir) throws Exception {
        List<TestKeys.Key> keys = List.of(TestKeys.sshKeygen(dir, "ed", "ed25519", 0, null, "pass phrase"),
                TestKeys.sshKeygen(dir, "rsa", "rsa", 2048, null, ""),
                TestKeys.openssl(dir, "ec", "ec-p256", ""));
        List<java.security.KeyPair> pairs = new ArrayList<>();
        pairs.add(PrivateKeyParser.parse(keys.get(0).privateText(), "pass phrase"));
        pairs.add(PrivateKeyParser.parse(keys.get(1).privateText(), null));
        pairs.add(PrivateKeyParser.parse(keys.get(2).privateText(), null));
        Path socket = dir.resolve("agent.sock");
        try (AgentSocketServer ignored = new AgentSocketServer(new InMemoryAgent(pairs), socket)) {
            Map<String, String> env = Map.of("SSH_AUTH_SOCK", socket.toString());
            String listed = Lab.exec(List.of("ssh-add", "-L"), env, true).stdout();
            for (TestKeys.Key key : keys) {
                assertThat(listed).contains(key.publicKey());
                Files.delete(key.privateFile()); // ssh-keygen must sign through the agent
                assertThat(signAndVerify(dir, key, env)).as(key.publicKey()).isZero();
            }
        }
    }

    @Test
    void theRelayToARunningAgentIsReadOnly(@TempDir Path dir) throws Exception {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "rsa", "rsa", 2048, null, "");
        try (RunningSshAgent agent = RunningSshAgent.start(dir)) {
            assertThat(agent.sshAdd(key.privateFile().toString()).exitCode()).isZero();
            AgentSocketRelay relay = new AgentSocketRelay(agent.socket());
            byte[] blob = Wire.blob(key.publicLine());
            try (AgentSource.Connection c = relay.connect()) {
                Wire.In list = new Wire.In(c.answer(new byte[] {AgentProtocol.REQUEST_IDENTITIES}));
                assertThat(list.b()).isEqualTo(AgentProtocol.IDENTITIES_ANSWER);
                assertThat(list.u32()).isEqualTo(1);
                assertThat(list.string()).isEqualTo(blob);

                byte[] data = "sign me".getBytes();
                Wire.In signed = new Wire.In(c.answer(InMemoryAgentTest.signRequest(blob, data, 4)));
                assertThat(signed.b()).isEqualTo(AgentProtocol.SIGN_RESPONSE);
                assertThat(Wire.verifies(blob, signed.string(), "rsa-sha2-512", data)).isTrue();

                // remove all identities, remove this one, lock with a password, add a key: all refused here
                byte[][] changes = {{19}, Wire.out().b(18).string(blob).bytes(), Wire.out().b(22).string("pw").bytes(),
                        Wire.out().b(17).string("ssh-ed25519").bytes()};
                for (byte[] change : changes) {
                    assertThat(c.answer(change)).as("request type " + change[0])
                            .isEqualTo(new byte[] {AgentProtocol.FAILURE});
                }
            }
            assertThat(agent.sshAdd("-L").stdout()).as("the agent still holds its key, unlocked")
                    .contains(key.publicKey());

            AgentSource.Connection open = relay.connect();
            relay.close();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> open.answer(new byte[] {AgentProtocol.REQUEST_IDENTITIES}))
                    .as("closing the relay closes its connections").isInstanceOf(java.io.IOException.class);
        }
    }

    /** {@code ssh-keygen -Y sign} with the public key and the agent, then {@code -Y verify}; the verify's exit code. */
    static int signAndVerify(Path dir, TestKeys.Key key, Map<String, String> env) throws Exception {
        Path file = dir.resolve("message-" + key.publicFile().getFileName());
        Files.writeString(file, "signed by " + key.publicLine() + "\n");
        Lab.exec(List.of("ssh-keygen", "-q", "-Y", "sign", "-f", key.publicFile().toString(), "-n", "containerbuild",
                file.toString()), env, true);
        return TestKeys.verify(dir, key, file, Path.of(file + ".sig"));
    }
}
