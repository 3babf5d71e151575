package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import hudson.AbortException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Steps that leave something out take it from the global configuration, which saves every change. */
@ExtendWith(JenkinsStatics.class)
class GlobalConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void defaultsWhenNothingIsConfigured() {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        assertThat(global.getDefaultDaemon()).isInstanceOf(DoodDaemon.class);
        assertThat(global.getRegistries()).isEmpty();
        assertThat(global.getDindImage()).isNull();
        assertThat(global.getDindSecurity()).isEqualTo("privileged");
        assertThat(global.getDindCacheVolume()).isNull();
    }

    @Test
    void settersNormaliseCheckAndSave() {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        global.setDindImage(" docker:dind ");
        global.setDindSecurity("CAPABILITIES");
        global.setDindCacheVolume(" ");
        global.setRegistries(List.of(new NamedRegistry("internal", "https://registry.example.com")));
        assertThat(global.getDindImage()).isEqualTo("docker:dind");
        assertThat(global.getDindSecurity()).isEqualTo("capabilities");
        assertThat(global.getDindCacheVolume()).isNull();
        assertThat(global.registry("internal").getUrl()).isEqualTo("https://registry.example.com");
        assertThat(global.registry("other")).isNull();
        verify(global, times(4)).save();

        assertThatThrownBy(() -> global.setRegistries(List.of(new NamedRegistry("a", "reg.example.com"),
                new NamedRegistry("a", "reg2.example.com")))).hasMessageContaining("'a' is used twice");
        assertThatThrownBy(() -> new NamedRegistry("has space", "reg.example.com"))
                .hasMessageContaining("'has space' is not valid");
        assertThatThrownBy(() -> new NamedRegistry("ok", "https://reg.example.com/path"))
                .hasMessageContaining("is not a registry address");
        assertThatThrownBy(() -> global.setDindSecurity("root")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStepWithoutDaemonUsesTheGlobalDefault() throws Exception {
        Path missing = dir.resolve("global-default.sock");
        DoodDaemon daemon = new DoodDaemon();
        daemon.setSocket(missing.toString());
        JenkinsStatics.configuration().setDefaultDaemon(daemon);
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(ws.resolve("Dockerfile"), "FROM scratch\n");
        StepHarness harness = new StepHarness(ws);

        assertThatThrownBy(() -> harness.build(new ContainerBuildStep())).isInstanceOf(AbortException.class)
                .hasMessageContaining(missing.toString());
        ContainerPushStep push = new ContainerPushStep();
        push.setTags(List.of("localhost:5000/app:1"));
        assertThatThrownBy(() -> harness.push(push)).isInstanceOf(AbortException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void dindTakesWhatItLacksFromTheGlobalDefaults() throws Exception {
        StepHarness harness = new StepHarness(dir);
        assertThatThrownBy(() -> new DindDaemon("").resolve(harness.run)).isInstanceOf(AbortException.class)
                .hasMessageStartingWith("No DinD image");

        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        global.setDindImage("dind:global");
        global.setDindSecurity("capabilities");
        global.setDindCacheVolume("global-cache");
        ResolvedDaemon fromGlobal = new DindDaemon(null).resolve(harness.run);
        assertThat(fromGlobal.endpoint().toString()).contains("dind:global");
        assertThat(fromGlobal.endpoint()).isEqualTo(new io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Dind(
                new io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.UnixSocket(Path.of("/var/run/docker.sock")),
                io.jenkins.plugins.containerbuild.engine.daemon.DindOptions.of("dind:global").withCacheVolume("global-cache")
                        .withSecurity(io.jenkins.plugins.containerbuild.engine.daemon.DindOptions.SecurityProfile.CAPABILITIES)
                        .withOwner(harness.run.getExternalizableId())));

        DindDaemon own = new DindDaemon("dind:own");
        own.setSecurity("privileged");
        own.setCacheVolume("own-cache");
        assertThat(own.resolve(harness.run).endpoint().toString()).contains("dind:own").doesNotContain("dind:global");
    }
}
