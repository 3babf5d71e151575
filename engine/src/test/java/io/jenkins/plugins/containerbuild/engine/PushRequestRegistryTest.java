package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Credentials belong to one registry, that of the first tag: a tag on another host is refused before any push. */
class PushRequestRegistryTest {

    private static final RegistryCredentials CREDS = new RegistryCredentials("user", "s3cret-push-password");

    @Test
    void credentialsBelongToTheFirstTagsRegistry() {
        PushRequest r = PushRequest.builder().credentials(CREDS).tag("localhost:5001/team/app:1")
                .tag("LOCALHOST:5001/team/app:latest").build();
        assertThat(r.registry()).isEqualTo("localhost:5001");
        assertThat(PushRequest.builder().credentials(CREDS).tag("team/app:1").tag("docker.io/team/app:2")
                .tag("index.docker.io/team/app:3").build().registry()).isEqualTo("docker.io");
        assertThat(PushRequest.builder().tag("localhost:5000/a:1").tag("localhost:5001/a:1").build().registry())
                .as("without credentials nothing is tied").isNull();
    }

    @Test
    void aTagOnAnotherHostIsRefusedWithItsNameTheHostsAndWhatToDo() {
        assertThatThrownBy(() -> PushRequest.builder().credentials(CREDS).tag("localhost:5001/team/app:1")
                .tag("evil.example:443/team/app:1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Tag 'evil.example:443/team/app:1' is on registry evil.example:443, but the credentials are"
                        + " for localhost:5001, the registry of the first tag: push it in a separate push with"
                        + " credentials for evil.example:443.")
                .message().doesNotContain("s3cret");
        assertThatThrownBy(() -> PushRequest.builder().credentials(CREDS).tag("team/app:1")
                .tag("localhost:5000/team/app:1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credentials are for docker.io");
    }
}
