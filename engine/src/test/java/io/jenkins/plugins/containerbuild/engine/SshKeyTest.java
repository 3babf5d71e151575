package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.ssh.TestKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SshKey#of} reads every key format a Jenkins credential or a key file may hold, and refuses a non-key, a
 * missing or a wrong passphrase when the request is made, before any build, without repeating the key's text.
 */
class SshKeyTest {

    private static final String PASS = "correct horse";

    static Stream<Arguments> formats() {
        Map<String, Function<Path, TestKeys.Key>> m = new java.util.LinkedHashMap<>();
        m.put("OpenSSH Ed25519", d -> TestKeys.sshKeygen(d, "k", "ed25519", 0, null, ""));
        m.put("OpenSSH Ed25519, bcrypt-encrypted", d -> TestKeys.sshKeygen(d, "k", "ed25519", 0, null, PASS));
        m.put("OpenSSH RSA 3072", d -> TestKeys.sshKeygen(d, "k", "rsa", 3072, null, ""));
        m.put("OpenSSH RSA, encrypted", d -> TestKeys.sshKeygen(d, "k", "rsa", 2048, null, PASS));
        m.put("OpenSSH ECDSA P-256", d -> TestKeys.sshKeygen(d, "k", "ecdsa", 256, null, ""));
        m.put("OpenSSH ECDSA P-384, encrypted", d -> TestKeys.sshKeygen(d, "k", "ecdsa", 384, null, PASS));
        m.put("OpenSSH ECDSA P-521", d -> TestKeys.sshKeygen(d, "k", "ecdsa", 521, null, ""));
        m.put("PEM PKCS#1 RSA", d -> TestKeys.sshKeygen(d, "k", "rsa", 2048, "PEM", ""));
        m.put("PEM PKCS#1 RSA, encrypted", d -> TestKeys.sshKeygen(d, "k", "rsa", 2048, "PEM", PASS));
        m.put("PEM SEC1 ECDSA", d -> TestKeys.openssl(d, "k", "ec-sec1", ""));
        m.put("PEM SEC1 ECDSA, encrypted", d -> TestKeys.openssl(d, "k", "ec-sec1", PASS));
        m.put("PKCS#8 RSA", d -> TestKeys.openssl(d, "k", "rsa", ""));
        m.put("PKCS#8 Ed25519", d -> TestKeys.openssl(d, "k", "ed25519", ""));
        m.put("PKCS#8 ECDSA P-384", d -> TestKeys.openssl(d, "k", "ec-p384", ""));
        m.put("PKCS#8 Ed25519, encrypted", d -> TestKeys.openssl(d, "k", "ed25519", PASS));
        m.put("PKCS#8 ECDSA P-256, encrypted", d -> TestKeys.openssl(d, "k", "ec-p256", PASS));
        m.put("PKCS#8 RSA from ssh-keygen, encrypted", d -> TestKeys.sshKeygen(d, "k", "rsa", 2048, "PKCS8", PASS));
        return m.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void readsTheKeyTheFileHolds(String format, Function<Path, TestKeys.Key> make, @TempDir Path dir) {
        TestKeys.Key key = make.apply(dir);
        String passphrase = format.endsWith("encrypted") ? PASS : null;

        SshKey parsed = SshKey.of(key.privateText(), passphrase);

        assertThat(PublicKeyEntry.toString(parsed.keyPair().getPublic()))
                .as("the public half matches what ssh-keygen derives").isEqualTo(key.publicKey());
        assertThat(parsed.type()).isEqualTo(key.publicKey().split(" ")[0]);
        assertThat(parsed.toString()).isEqualTo("SshKey[" + parsed.type() + "]");
    }

    static Stream<Arguments> encrypted() {
        return formats().filter(a -> ((String) a.get()[0]).endsWith("encrypted"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encrypted")
    void anEncryptedKeyNeedsItsOwnPassphrase(String format, Function<Path, TestKeys.Key> make, @TempDir Path dir) {
        TestKeys.Key key = make.apply(dir);

        assertThatThrownBy(() -> SshKey.of(key.privateText(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SSH key is encrypted: give its passphrase.")
                .hasNoCause();
        assertThatThrownBy(() -> SshKey.of(key.privateText(), ""))
                .hasMessage("SSH key is encrypted: give its passphrase.");
        assertThatThrownBy(() -> SshKey.of(key.privateText(), "wrong horse"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SSH key cannot be decrypted with the passphrase given: give the passphrase the key was"
                        + " encrypted with.")
                .hasNoCause();
    }

    @Test
    void aNonKeyIsRefusedWithoutRepeatingIt(@TempDir Path dir) {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "ed25519", 0, null, "");
        List<String> lines = key.privateText().lines().toList();
        String header = lines.get(0);
        String footer = lines.get(lines.size() - 1);
        String truncated = String.join("\n", lines.subList(0, lines.size() / 2)) + "\n" + footer + "\n";
        String garbage = header + "\nbm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0\n" + footer + "\n";
        for (String text : List.of("", "hello", key.publicLine(), truncated, garbage, "-----BEGIN PRIVATE KEY-----")) {
            assertThatThrownBy(() -> SshKey.of(text, null))
                    .as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasNoCause()
                    .satisfies(e -> {
                        for (String line : lines.subList(1, lines.size() - 1)) {
                            assertThat(e.getMessage()).doesNotContain(line);
                        }
                        assertThat(e.getMessage()).doesNotContain(key.publicKey().split(" ")[1])
                                .doesNotContain("bm90IGEga2V5");
                    });
        }
        assertThatThrownBy(() -> SshKey.of(null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("SSH key is not a private key:");
    }

    @Test
    void dsaIsRefusedByName(@TempDir Path dir) {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "dsa", 0, null, "");
        assertThatThrownBy(() -> SshKey.of(key.privateText(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SSH key type ssh-dss is not supported: use an Ed25519, RSA or ECDSA (nistp256, nistp384,"
                        + " nistp521) key.");
    }

    @Test
    void destroyedKeysServeNoLaterBuild(@TempDir Path dir) {
        TestKeys.Key key = TestKeys.sshKeygen(dir, "k", "ed25519", 0, null, "");
        BuildRequest request = BuildRequest.builder(dir).ssh("default", List.of(SshKey.of(key.privateText(), null)))
                .build();
        SshKey held = ((SshForward.Keys) request.ssh().get("default")).keys().get(0);

        request.destroySecrets();

        assertThat(held.keyPair()).isNull();
        assertThatThrownBy(() -> SshAgents.of(request.ssh()))
                .isInstanceOf(ContainerEngineException.class)
                .hasMessageContaining("were destroyed");
    }
}
