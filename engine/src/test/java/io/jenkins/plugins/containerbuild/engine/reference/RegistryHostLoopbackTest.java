package io.jenkins.plugins.containerbuild.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registries a push to Podman may send with {@code tlsVerify=false}: the ones Docker Engine reaches over plain
 * HTTP without configuration, localhost and 127.0.0.0/8. Everything else keeps TLS, names that merely look local
 * included: nothing is resolved.
 */
class RegistryHostLoopbackTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:5000", "LOCALHOST:5001", "127.0.0.1", "127.0.0.1:5000",
            "127.255.255.254:443", "127.1.2.3", "http://localhost:5000/v2/", "https://127.0.0.1:5002"})
    void loopback(String registry) {
        assertThat(RegistryHost.isLoopback(registry)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"registry.example.com", "registry.example.com:5000", "localhost.example.com",
            "localhost.localdomain", "my-localhost:5000", "127.0.0.1.nip.io", "127.0.0.1.example.com:5000",
            "128.0.0.1", "126.0.0.1:5000", "127.0.0.256", "127.0.0", "0.0.0.0:5000", "10.0.0.1:5000",
            "192.168.1.10", "[::1]:5000", "docker.io", "index.docker.io", "1270.0.0.1"})
    void notLoopback(String registry) {
        assertThat(RegistryHost.isLoopback(registry)).isFalse();
    }
}
