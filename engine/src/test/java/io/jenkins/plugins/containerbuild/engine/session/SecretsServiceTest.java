package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.BuildSecret;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's own copies: independent of the request's, overwritten when the session closes. */
class SecretsServiceTest {

    @Test
    void keepsItsOwnCopiesAndOverwritesThemOnClose() {
        BuildSecret secret = BuildSecret.of(new byte[] {1, 2, 3, (byte) 0xff});
        SecretsService service = new SecretsService(Map.of("s", secret));
        byte[] copy = service.held("s");
        assertThat(copy).containsExactly(1, 2, 3, 0xff);
        secret.destroy(); // the request's owner destroys its copy: the session's is its own
        assertThat(service.held("s")).containsExactly(1, 2, 3, 0xff);
        service.close();
        assertThat(copy).as("the copy was overwritten").containsOnly(0);
        assertThat(service.held("s")).as("and forgotten").isNull();
        assertThat(service.methods()).containsExactly("/moby.buildkit.secrets.v1.Secrets/GetSecret");
    }
}
