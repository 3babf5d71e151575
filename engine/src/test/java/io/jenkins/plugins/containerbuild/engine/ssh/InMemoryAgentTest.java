package io.jenkins.plugins.containerbuild.engine.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The in-memory agent speaks the SSH agent protocol: it lists its keys and signs with the algorithm the flags ask
 * for; the JDK's own providers verify each signature against the public key ssh-keygen wrote. Everything else it
 * refuses.
 */
class InMemoryAgentTest {

    private static final byte[] DATA = "the session data a server asks to sign".getBytes(StandardCharsets.UTF_8);

    @Test
    void listsEveryKeyWithTheBlobOfItsPublicKey(@TempDir Path dir) throws Exception {
        List<TestKeys.Key> keys = List.of(TestKeys.sshKeygen(dir, "ed", "ed25519", 0, null, ""),
                TestKeys.sshKeygen(dir, "rsa", "rsa", 2048, "PEM", ""),
                TestKeys.sshKeygen(dir, "ec", "ecdsa", 384, null, ""));
        InMemoryAgent agent = agent(keys);

        Wire.In reply = new Wire.In(agent.answer(new byte[] {AgentProtocol.REQUEST_IDENTITIES}));

        assertThat(reply.b()).isEqualTo(AgentProtocol.IDENTITIES_ANSWER);
        assertThat(reply.u32()).isEqualTo(3);
        for (TestKeys.Key key : keys) {
            assertThat(reply.string()).isEqualTo(Wire.blob(key.publicLine()));
            assertThat(reply.text()).isEqualTo("containerbuild");
        }
        assertThat(reply.atEnd()).isTrue();
    }

    @ParameterizedTest(name = "{0} {1} with flags {3} signs {4}")
    @CsvSource({
            "ed25519, 0,    '',    0, ssh-ed25519",
            "ed25519, 0,    '',    4, ssh-ed25519",
            "rsa,     2048, '',    4, rsa-sha2-512",
            "rsa,     2048, '',    2, rsa-sha2-256",
            "rsa,     3072, PEM,   6, rsa-sha2-256",
            "rsa,     2048, PKCS8, 0, ssh-rsa",
            "ecdsa,   256,  '',    0, ecdsa-sha2-nistp256",
            "ecdsa,   384,  PEM,   0, ecdsa-sha2-nistp384",
            "ecdsa,   521,  '',    4, ecdsa-sha2-nistp521",
    })
    void signsWithTheAlgorithmTheFlagsAskFor(String type, int bits, String format, int flags, String algorithm,
                                             @TempDir Path dir) throws Exception {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", type, bits, format.isEmpty() ? null : format, "");
        byte[] blob = Wire.blob(key.publicLine());
        InMemoryAgent agent = agent(List.of(key));

        Wire.In reply = new Wire.In(agent.answer(signRequest(blob, DATA, flags)));

        assertThat(reply.b()).isEqualTo(AgentProtocol.SIGN_RESPONSE);
        byte[] signature = reply.string();
        assertThat(reply.atEnd()).isTrue();
        assertThat(Wire.verifies(blob, signature, algorithm, DATA)).as("the JDK verifies the signature").isTrue();
        assertThat(Wire.verifies(blob, signature, algorithm, "other data".getBytes(StandardCharsets.UTF_8)))
                .as("and it is a signature of this data only").isFalse();
    }

    @Test
    void refusesWhatItDoesNotServe(@TempDir Path dir) throws Exception {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "ed25519", 0, null, "");
        TestKeys.Key other = TestKeys.sshKeygen(dir, "other", "ed25519", 0, null, "");
        InMemoryAgent agent = agent(List.of(key));
        byte[] failure = {AgentProtocol.FAILURE};

        assertThat(agent.answer(signRequest(Wire.blob(other.publicLine()), DATA, 0)))
                .as("a key it does not hold").isEqualTo(failure);
        byte[] sign = signRequest(Wire.blob(key.publicLine()), DATA, 0);
        assertThat(agent.answer(java.util.Arrays.copyOf(sign, sign.length - 10))).as("a truncated request")
                .isEqualTo(failure);
        assertThat(agent.answer(new byte[0])).isEqualTo(failure);
        // add identity, remove, remove all, lock, unlock, extension (session-bind@openssh.com), SSH1 listing
        for (int type : new int[] {17, 18, 19, 22, 23, 25, 27, 1}) {
            byte[] request = Wire.out().b(type).string("anything").bytes();
            assertThat(agent.answer(request)).as("request type " + type).isEqualTo(failure);
        }
        assertThat(agent.size()).isEqualTo(1);
    }

    @Test
    void afterCloseItHoldsNoKey(@TempDir Path dir) throws Exception {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "ed25519", 0, null, "");
        InMemoryAgent agent = agent(List.of(key));
        AgentSource.Connection connection = agent.connect();

        agent.close();

        Wire.In list = new Wire.In(connection.answer(new byte[] {AgentProtocol.REQUEST_IDENTITIES}));
        assertThat(list.b()).isEqualTo(AgentProtocol.IDENTITIES_ANSWER);
        assertThat(list.u32()).isZero();
        assertThat(connection.answer(signRequest(Wire.blob(key.publicLine()), DATA, 0)))
                .isEqualTo(new byte[] {AgentProtocol.FAILURE});
    }

    static InMemoryAgent agent(List<TestKeys.Key> keys) {
        List<java.security.KeyPair> pairs = new ArrayList<>();
        for (TestKeys.Key k : keys) {
            pairs.add(PrivateKeyParser.parse(k.privateText(), null));
        }
        return new InMemoryAgent(pairs);
    }

    static byte[] signRequest(byte[] blob, byte[] data, int flags) {
        return Wire.out().b(AgentProtocol.SIGN_REQUEST).string(blob).string(data).u32(flags).bytes();
    }
}
