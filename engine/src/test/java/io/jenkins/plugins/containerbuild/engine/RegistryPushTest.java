package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushes against the lab's registries: refused without credentials, accepted with them, 404 and 5xx handled. */
class RegistryPushTest {

    private static final Lab lab = Lab.get();
    private static final String KEEP = "registry-push-test:" + LabSupport.unique("keep");
    private static String image;

    @BeforeAll
    static void buildOnce(@TempDir Path dir) throws Exception {
        image = LabSupport.buildKeptImage(dir, KEEP);
    }

    @AfterAll
    static void removeImage() {
        LabSupport.removeImages(KEEP, image);
    }

    private String tagged(ContainerEngine engine, String registry, String repo) throws Exception {
        String ref = registry + "/" + repo + ":1";
        engine.tag(image, ref);
        return ref;
    }

    @Test
    void authRegistryRefusesAnonymousPushWithoutRetrying() throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"));
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            String ref = tagged(engine, lab.authRegistry(), LabSupport.unique("it/anon"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref).retries(3).build()));
            check.assertClean(error, events);
            assertThat(error)
                    .isInstanceOf(RegistryAuthException.class)
                    .hasMessageContaining(lab.authRegistry())
                    .hasMessageContaining("credentials");
            assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"));
            engine.remove(ref);
        }
    }

    @Test
    void authRegistryRefusesWrongPassword() throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"));
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            String ref = tagged(engine, lab.authRegistry(), LabSupport.unique("it/wrong"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref)
                    .credentials(new RegistryCredentials("labuser", "not-the-password")).build()));
            assertThat(error).isInstanceOf(RegistryAuthException.class)
                    .message().doesNotContain("not-the-password");
            for (Throwable t = error; t != null; t = t.getCause()) {
                assertThat(t.toString()).doesNotContain("not-the-password");
            }
            assertThat(events.allText()).doesNotContain("not-the-password");
            check.assertClean(error, events);
            engine.remove(ref);
        }
    }

    @Test
    void authAndTlsRegistriesAcceptCredentialsAndThePasswordAppearsNowhere() throws Exception {
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            for (String registry : new String[] {lab.authRegistry(), lab.tlsRegistry()}) {
                String ref = tagged(engine, registry, LabSupport.unique("it/auth"));
                PushResult result = engine.push(PushRequest.builder().tag(ref).credentials(lab.registryCredentials()).build());
                assertThat(result.digests().get(ref)).startsWith("sha256:").hasSize(71);
                engine.remove(ref);
            }
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
        assertThat(lab.registryCredentials().toString()).doesNotContain(lab.registryPassword());
    }

    @Test
    void imageMissingOnTheDaemonIsNotFound() throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            String ref = lab.plainRegistry() + "/" + LabSupport.unique("it/absent") + ":1";
            assertThatThrownBy(() -> engine.push(PushRequest.builder().tag(ref).build()))
                    .isInstanceOf(RegistryNotFoundException.class)
                    .hasMessageContaining(ref)
                    .hasMessageContaining("build or tag it");
        }
    }

    @Test
    void transient5xxIsRetriedAndTheRetrySucceeds() throws Exception {
        RecordingSink events = new RecordingSink();
        String repo = LabSupport.unique("it/flaky");
        try (FlakyRegistryProxy proxy = new FlakyRegistryProxy(lab.plainRegistry(), 2);
             ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            String ref = tagged(engine, proxy.address(), repo);
            PushResult result = engine.push(PushRequest.builder().tag(ref).retries(3)
                    .initialBackoff(Duration.ofMillis(50)).build());
            assertThat(result.digests().get(ref)).isEqualTo(LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            assertThat(proxy.manifestPuts.get()).isEqualTo(3);
            assertThat(events.events).filteredOn(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"))
                    .hasSize(2);
            engine.remove(ref);
        }
    }

    @Test
    void persistent5xxIsReportedAfterTheRetries() throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"));
        RecordingSink events = new RecordingSink();
        try (FlakyRegistryProxy proxy = new FlakyRegistryProxy(lab.plainRegistry(), Integer.MAX_VALUE);
             ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            String ref = tagged(engine, proxy.address(), LabSupport.unique("it/503"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref).retries(1)
                    .credentials(lab.registryCredentials()).initialBackoff(Duration.ofMillis(50)).build()));
            check.assertClean(error, events);
            assertThat(error)
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageStartingWith("Registry " + proxy.address())
                    .hasMessageContaining("2 attempt(s)")
                    .hasMessageContaining("503")
                    .hasMessageContaining("try again later");
            assertThat(proxy.manifestPuts.get()).isEqualTo(2);
            engine.remove(ref);
        }
    }
}
