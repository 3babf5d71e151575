package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.same;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import hudson.AbortException;
import hudson.DescriptorExtensionList;
import hudson.model.Descriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.StaplerRequest2;
import org.mockito.InOrder;
import org.mockito.MockedStatic;
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
                io.jenkins.plugins.containerbuild.engine.daemon.DindOptions.of("dind:global")
                        .withCacheVolume(DindImages.jobVolume("containerbuild-plugin-test", "global-cache"))
                        .withSecurity(io.jenkins.plugins.containerbuild.engine.daemon.DindOptions.SecurityProfile.CAPABILITIES)
                        .withOwner(harness.run.getExternalizableId())));

        DindDaemon own = new DindDaemon("dind:own");
        own.setSecurity("privileged");
        own.setCacheVolume("own-cache");
        assertThat(own.resolve(harness.run).endpoint().toString()).contains("dind:own").doesNotContain("dind:global");
    }

    /**
     * "The global default daemon", the job forms' first choice, is the same as no daemon: the steps and the freestyle
     * step store it as none and run on whatever the global configuration's default is when they run.
     */
    @Test
    void aStepOrBuilderWithTheGlobalDefaultDaemonUsesTheConfiguredDefault() throws Exception {
        Path missing = dir.resolve("configured-default.sock");
        DoodDaemon daemon = new DoodDaemon();
        daemon.setSocket(missing.toString());
        JenkinsStatics.configuration().setDefaultDaemon(daemon);
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Files.writeString(ws.resolve("Dockerfile"), "FROM scratch\n");
        StepHarness harness = new StepHarness(ws);

        ContainerBuildStep build = new ContainerBuildStep();
        build.setDaemon(new GlobalDefaultDaemon());
        assertThat(build.getDaemon()).as("stored as no daemon").isNull();
        assertThatThrownBy(() -> harness.build(build)).isInstanceOf(AbortException.class)
                .hasMessageContaining(missing.toString());

        ContainerPushStep push = new ContainerPushStep();
        push.setTags(List.of("localhost:5000/app:1"));
        push.setDaemon(new GlobalDefaultDaemon());
        assertThat(push.getDaemon()).isNull();
        assertThatThrownBy(() -> harness.push(push)).isInstanceOf(AbortException.class)
                .hasMessageContaining(missing.toString());

        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setDaemon(new GlobalDefaultDaemon());
        assertThat(builder.getDaemon()).isNull();
        assertThatThrownBy(() -> harness.freestyle(builder, Map.of())).isInstanceOf(AbortException.class)
                .hasMessageContaining(missing.toString());

        // resolved on its own (as a daemon that reached a step some other way), it is the configured default too
        assertThat(new GlobalDefaultDaemon().resolve(harness.run).endpoint())
                .isEqualTo(daemon.resolve(harness.run).endpoint());
        assertThat(ContainerBuildConfiguration.daemonFor(new GlobalDefaultDaemon())).isSameAs(daemon);
        assertThat(ContainerBuildConfiguration.daemonFor(null)).isSameAs(daemon);

        // the default follows the global configuration when it changes later
        TcpDaemon tcp = new TcpDaemon("tcp://127.0.0.1:2375");
        JenkinsStatics.configuration().setDefaultDaemon(tcp);
        assertThat(ContainerBuildConfiguration.daemonFor(build.getDaemon())).isSameAs(tcp);
    }

    @Test
    void theGlobalDefaultCannotBeTheGlobalDefault() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        global.setDefaultDaemon(new GlobalDefaultDaemon());
        assertThat(global.getDefaultDaemon()).isInstanceOf(DoodDaemon.class);
        assertThat(((DoodDaemon) global.getDefaultDaemon()).getSocket()).isEqualTo("/var/run/docker.sock");
        StepHarness harness = new StepHarness(dir);
        assertThat(new GlobalDefaultDaemon().resolve(harness.run).endpoint())
                .isEqualTo(new DoodDaemon().resolve(harness.run).endpoint());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGlobalSelectorOffersEveryDaemonButTheGlobalDefault() {
        Descriptor<DaemonSpec> globalDefault = new GlobalDefaultDaemon.DescriptorImpl();
        Descriptor<DaemonSpec> dood = new DoodDaemon.DescriptorImpl();
        Descriptor<DaemonSpec> dind = new DindDaemon.DescriptorImpl();
        Descriptor<DaemonSpec> tcp = new TcpDaemon.DescriptorImpl();
        DescriptorExtensionList<DaemonSpec, Descriptor<DaemonSpec>> all = mock(DescriptorExtensionList.class);
        when(all.iterator()).thenAnswer(i -> List.of(globalDefault, dood, dind, tcp).iterator());
        Jenkins jenkins = mock(Jenkins.class);
        when(jenkins.<DaemonSpec, Descriptor<DaemonSpec>>getDescriptorList(DaemonSpec.class)).thenReturn(all);
        try (MockedStatic<Jenkins> statics = mockStatic(Jenkins.class)) {
            statics.when(Jenkins::get).thenReturn(jenkins);
            assertThat(JenkinsStatics.configuration().getDaemonDescriptors()).containsExactly(dood, dind, tcp);
        }
    }

    /** Stapler's binding sets only what the form sent; configure first puts back what the form can leave out. */
    @Test
    void configureResetsWhatTheFormLeavesOutThenBindsAndSaves() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        global.setRegistries(List.of(new NamedRegistry("old", "https://old.example.com")));
        global.setDindImage("docker:old-dind");
        global.setDindCacheVolume("old-cache");
        global.setDefaultDaemon(new TcpDaemon("tcp://127.0.0.1:2375"));
        clearInvocations(global);

        StaplerRequest2 req = mock(StaplerRequest2.class);
        JSONObject json = mock(JSONObject.class);
        // the submitted section: no registry rows, a security profile, the agent's socket (what Stapler would set)
        doAnswer(invocation -> {
            ContainerBuildConfiguration bean = invocation.getArgument(0);
            assertThat(bean.getRegistries()).as("reset before binding").isEmpty();
            assertThat(bean.getDindImage()).as("reset before binding").isNull();
            assertThat(bean.getDindCacheVolume()).as("reset before binding").isNull();
            bean.setDefaultDaemon(new DoodDaemon());
            bean.setDindSecurity("capabilities");
            return null;
        }).when(req).bindJSON(same(global), same(json));

        assertThat(global.configure(req, json)).isTrue();
        assertThat(global.getRegistries()).isEmpty();
        assertThat(global.registry("old")).isNull();
        assertThat(global.getDindImage()).isNull();
        assertThat(global.getDindCacheVolume()).isNull();
        assertThat(global.getDindSecurity()).isEqualTo("capabilities");
        assertThat(global.getDefaultDaemon()).isInstanceOf(DoodDaemon.class);
        InOrder order = inOrder(req, global);
        order.verify(req).bindJSON(global, json);
        order.verify(global).save();
    }

    @Test
    void configureKeepsThePreviousValuesWhenTheFormCannotBeApplied() throws Exception {
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        NamedRegistry old = new NamedRegistry("old", "https://old.example.com");
        global.setRegistries(List.of(old));
        global.setDindImage("docker:old-dind");
        clearInvocations(global);

        StaplerRequest2 req = mock(StaplerRequest2.class);
        JSONObject json = mock(JSONObject.class);
        doAnswer(invocation -> {
            ContainerBuildConfiguration bean = invocation.getArgument(0);
            bean.setDindImage("docker:new-dind");
            try {
                bean.setRegistries(List.of(new NamedRegistry("a", "a.example.com"), new NamedRegistry("a", "b.example.com")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e); // as Stapler passes on what a setter threw
            }
            return null;
        }).when(req).bindJSON(any(), any());

        assertThatThrownBy(() -> global.configure(req, json)).isInstanceOf(Descriptor.FormException.class)
                .hasMessageContaining("'a' is used twice");
        assertThat(global.getRegistries()).containsExactly(old);
        assertThat(global.getDindImage()).isEqualTo("docker:old-dind");
        verify(global, times(2)).save(); // once by setDindImage during binding, once with the previous values back
    }
}
