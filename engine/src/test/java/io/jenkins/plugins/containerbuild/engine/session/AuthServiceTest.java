package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which host gets which credentials; the daemon round trip is in PullCredentialsTest. */
class AuthServiceTest {

    private final RegistryCredentials hub = new RegistryCredentials("hubuser", "hubpass");
    private final RegistryCredentials internal = new RegistryCredentials("ci", "secret");

    @Test
    void dockerHubUnderEachOfItsNames() {
        AuthService auth = new AuthService(Map.of("docker.io", hub), EventSink.discard());
        // BuildKit names the host it pulls from: registry-1.docker.io for Docker Hub
        for (String name : new String[] {"registry-1.docker.io", "docker.io", "index.docker.io", "INDEX.docker.io",
                "https://index.docker.io/v1/"}) {
            assertThat(auth.credentialsFor(name)).as(name).isSameAs(hub);
        }
        assertThat(auth.credentialsFor("registry.example.com")).isNull();
    }

    @Test
    void exactlyTheHostGivenAndNoOther() {
        AuthService auth = new AuthService(Map.of("registry.example.com:5000", internal), EventSink.discard());
        assertThat(auth.credentialsFor("registry.example.com:5000")).isSameAs(internal);
        assertThat(auth.credentialsFor("registry.example.com")).as("another port is another registry").isNull();
        assertThat(auth.credentialsFor("registry.example.com:50001")).isNull();
        assertThat(auth.credentialsFor("evil.example.com/registry.example.com:5000")).isNull();
        assertThat(auth.credentialsFor("")).isNull();
        assertThat(auth.credentialsFor("registry-1.docker.io")).isNull();
    }

    @Test
    void nothingAfterTheSessionClosed() {
        AuthService auth = new AuthService(Map.of("docker.io", hub), EventSink.discard());
        assertThat(auth.methods()).contains(AuthService.CREDENTIALS, AuthService.FETCH_TOKEN,
                AuthService.GET_TOKEN_AUTHORITY, AuthService.VERIFY_TOKEN_AUTHORITY);
        auth.close();
        assertThat(auth.credentialsFor("docker.io")).isNull();
    }
}
