package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.thoughtworks.xstream.XStream;
import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an administrator can restrict in the global configuration: a step's own daemon, the DinD images that may be
 * started, and whether cache volumes are shared between jobs (they are per job by default).
 */
@ExtendWith(JenkinsStatics.class)
class AdministratorLimitsTest {

    @TempDir
    Path dir;

    private static DaemonEndpoint.Dind dind(ResolvedDaemon d) {
        return (DaemonEndpoint.Dind) d.endpoint();
    }

    @Test
    void aStepsOwnDaemonIsRefusedWhenForbidden() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        DoodDaemon own = new DoodDaemon();
        assertThat(ContainerBuildConfiguration.daemonFor(own)).isSameAs(own);

        global.setForbidStepDaemons(true);
        assertThatThrownBy(() -> ContainerBuildConfiguration.daemonFor(own)).isInstanceOf(AbortException.class)
                .hasMessageContaining("remove daemon:");
        assertThat(ContainerBuildConfiguration.daemonFor(null)).isInstanceOf(DoodDaemon.class);
        assertThat(ContainerBuildConfiguration.daemonFor(new GlobalDefaultDaemon())).isInstanceOf(DoodDaemon.class);

        // the steps go through daemonFor: a build with daemon: fails before anything reaches the agent
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(ws.resolve("Dockerfile"), "FROM scratch\n");
        StepHarness harness = new StepHarness(ws);
        ContainerBuildStep step = new ContainerBuildStep();
        step.setDaemon(new DindDaemon("docker:dind"));
        assertThatThrownBy(() -> harness.build(step)).isInstanceOf(AbortException.class)
                .hasMessageContaining("does not allow a step to choose its Docker daemon");
    }

    @Test
    void onlyAllowedDindImagesStart() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        StepHarness harness = new StepHarness(dir);
        assertThat(new DindDaemon("anything:1").resolve(harness.run)).isNotNull();

        global.setAllowedDindImages(" docker:*-dind \n\n registry.example.com/dind:27 ");
        assertThat(global.getAllowedDindImages()).isEqualTo("docker:*-dind\nregistry.example.com/dind:27");
        assertThat(dind(new DindDaemon("docker:27-dind").resolve(harness.run)).options().image())
                .isEqualTo("docker:27-dind");
        assertThat(new DindDaemon("registry.example.com/dind:27").resolve(harness.run)).isNotNull();
        assertThatThrownBy(() -> new DindDaemon("evil/dind:27").resolve(harness.run))
                .isInstanceOf(AbortException.class).hasMessageContaining("evil/dind:27")
                .hasMessageContaining("docker:*-dind");
        assertThatThrownBy(() -> new DindDaemon("docker:27-dind-evil").resolve(harness.run))
                .isInstanceOf(AbortException.class);
        // the global default image is held to the list too
        global.setDindImage("other:dind");
        assertThatThrownBy(() -> new DindDaemon(null).resolve(harness.run)).isInstanceOf(AbortException.class);

        assertThatThrownBy(() -> global.setAllowedDindImages("docker dind")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'docker dind'");
        global.setAllowedDindImages("  ");
        assertThat(global.getAllowedDindImages()).isNull();
    }

    @Test
    void cacheVolumesArePerJobUnlessShared() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        StepHarness harness = new StepHarness(dir);
        DindDaemon d = new DindDaemon("docker:dind");
        d.setCacheVolume("app-cache");

        String perJob = dind(d.resolve(harness.run)).options().cacheVolume();
        assertThat(perJob).endsWith("-app-cache").isNotEqualTo("app-cache")
                .isEqualTo(DindImages.jobVolume("containerbuild-plugin-test", "app-cache"));
        assertThat(DindImages.jobVolume("folder/other-job", "app-cache")).isNotEqualTo(perJob);
        assertThat(DindImages.jobVolume("containerbuild-plugin-test", "app-cache")).isEqualTo(perJob);

        global.setSharedCacheVolumes(true);
        assertThat(dind(d.resolve(harness.run)).options().cacheVolume()).isEqualTo("app-cache");

        DindDaemon none = new DindDaemon("docker:dind");
        global.setSharedCacheVolumes(false);
        assertThat(dind(none.resolve(harness.run)).options().cacheVolume()).isNull();
    }

    /** A configuration saved before these settings existed loads with none of them: nothing is restricted. */
    @Test
    void aConfigurationSavedBeforeTheLimitsExistedLoadsUnrestricted() {
        XStream x = new XStream();
        x.allowTypesByWildcard(new String[] {"io.jenkins.plugins.containerbuild.**"});
        String old = """
                <io.jenkins.plugins.containerbuild.ContainerBuildConfiguration>
                  <dindImage>docker:dind</dindImage>
                  <dindCacheVolume>ci-cache</dindCacheVolume>
                </io.jenkins.plugins.containerbuild.ContainerBuildConfiguration>
                """;
        ContainerBuildConfiguration loaded = (ContainerBuildConfiguration) x.fromXML(old);
        assertThat(loaded.isForbidStepDaemons()).isFalse();
        assertThat(loaded.getAllowedDindImages()).isNull();
        assertThat(loaded.allowedDindImagePatterns()).isEmpty();
        assertThat(loaded.isSharedCacheVolumes()).isFalse();
        assertThat(loaded.getDindCacheVolume()).isEqualTo("ci-cache");

        String current = """
                <io.jenkins.plugins.containerbuild.ContainerBuildConfiguration>
                  <forbidStepDaemons>true</forbidStepDaemons>
                  <allowedDindImages>docker:*</allowedDindImages>
                  <sharedCacheVolumes>true</sharedCacheVolumes>
                </io.jenkins.plugins.containerbuild.ContainerBuildConfiguration>
                """;
        ContainerBuildConfiguration back = (ContainerBuildConfiguration) x.fromXML(x.toXML(x.fromXML(current)));
        assertThat(back.isForbidStepDaemons()).isTrue();
        assertThat(back.getAllowedDindImages()).isEqualTo("docker:*");
        assertThat(back.isSharedCacheVolumes()).isTrue();
        assertThat(back.allowedDindImagePatterns()).containsExactly("docker:*");
    }
}
