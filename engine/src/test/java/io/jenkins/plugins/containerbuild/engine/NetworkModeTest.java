package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** RUN steps get the daemon's default network, none or the host's: never another container's or a named network. */
class NetworkModeTest {

    @Test
    void onlyDefaultNoneAndHostAreTaken() {
        for (String mode : new String[] {"default", "none", "host"}) {
            assertThat(BuildRequest.builder(Path.of(".")).networkMode(mode).build().networkMode()).isEqualTo(mode);
        }
        assertThat(BuildRequest.builder(Path.of(".")).networkMode(" ").build().networkMode()).isNull();
        assertThatThrownBy(() -> BuildRequest.builder(Path.of(".")).networkMode("container:jenkins-agent"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Network mode 'container:jenkins-agent' would run the build's RUN steps in another"
                        + " container's network: use default, none or host.");
        assertThatThrownBy(() -> BuildRequest.builder(Path.of(".")).networkMode("bridge"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Network mode 'bridge' is not supported: use default, none or host.");
    }
}
