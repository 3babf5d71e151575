package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Registry faults during a push, injected for real: a registry process killed while the push is in flight, connections
 * reset by a loopback proxy, and a registry slower than the push timeout. Each gives one clear error or a successful
 * retry, leaves nothing behind, leaks no credential, and the next push succeeds.
 */
class RegistryFaultTest {

    private static final Lab lab = Lab.get();
    private static final String KEEP = "registry-fault-test:" + LabSupport.unique("keep");
    private static final KeptImages images = new KeptImages(KEEP);

    @AfterAll
    static void removeImage() {
        images.removeAll();
    }

    static Stream<Arguments> daemonsAndResets() {
        return LabDaemons.full().flatMap(d -> Stream.of(ResetAt.values()).map(r -> Arguments.of(d, r)));
    }

    /** Credentials go with every push, so that the checks can look for the password in what comes back. */
    private static PushRequest.Builder push(String ref) {
        return PushRequest.builder().tag(ref).credentials(lab.registryCredentials());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void registryKilledMidPushIsReportedAndThePushSucceedsOnceItIsBack(Lab.Daemon daemon) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryFaultTest"), daemon);
        RecordingSink events = new RecordingSink();
        String repo = LabSupport.unique("it/gone");
        Throwable error;
        try (DisposableRegistry registry = new DisposableRegistry();
             FaultProxy proxy = FaultProxy.toTcp(registry.port());
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            check.recordPath(registry.root());
            // the layers are in; the registry dies while the manifest is on its way, and its port goes dark
            proxy.on(FaultProxy.manifestPut(), 1, new FaultProxy.Fault.Before(() -> {
                registry.kill();
                try {
                    proxy.stopListening();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
            String registryAddress = "localhost:" + proxy.port();
            String ref = registryAddress + "/" + repo + ":1";
            engine.tag(images.on(daemon), ref);
            try {
                long start = System.nanoTime();
                error = catchThrowable(() -> engine.push(push(ref).retries(2).initialBackoff(Duration.ofMillis(100)).build()));
                assertThat(error).isInstanceOf(RegistryUnavailableException.class)
                        .hasMessageStartingWith("Registry " + registryAddress + " did not take the push of " + ref)
                        .hasMessageContaining("after 3 attempt(s)")
                        .hasMessageContaining("connection refused")
                        .hasMessageContaining("check that the registry is up");
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
                assertThat(registry.alive()).isFalse();
                assertThat(proxy.forwardedAfterFault).as("the manifest was under way when the registry died").hasSize(1);
                assertThat(events.events).filteredOn(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"))
                        .hasSize(2);

                registry.start();
                proxy.listenAgain();
                PushResult again = engine.push(push(ref).build());
                assertThat(again.digests().get(ref)).isEqualTo(LabSupport.registryDigest(registry.address(), repo, "1"));
            } finally {
                engine.remove(ref);
            }
        }
        check.assertClean(error, events);
    }

    /** Where the registry's connection is reset: at the first contact (the version check), or on the manifest. */
    enum ResetAt {
        FIRST_CONTACT(line -> line.equals("GET /v2/")),
        MANIFEST(FaultProxy.manifestPut());

        final java.util.function.Predicate<String> request;

        ResetAt(java.util.function.Predicate<String> request) {
            this.request = request;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("daemonsAndResets")
    void connectionResetIsRetriedAndTheRetrySucceeds(Lab.Daemon daemon, ResetAt where) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryFaultTest"), daemon);
        RecordingSink events = new RecordingSink();
        String repo = LabSupport.unique("it/reset");
        try (FaultProxy proxy = FaultProxy.toTcp(port(lab.plainRegistry()));
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            proxy.on(where.request, 2, new FaultProxy.Fault.Reset());
            String ref = "localhost:" + proxy.port() + "/" + repo + ":1";
            engine.tag(images.on(daemon), ref);
            try {
                PushResult result = engine.push(push(ref).retries(3).initialBackoff(Duration.ofMillis(50)).build());
                assertThat(result.digests().get(ref)).isEqualTo(LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            } finally {
                engine.remove(ref);
            }
            assertThat(proxy.resets).hasValue(2);
            assertThat(proxy.requests).filteredOn(where.request::test).hasSizeGreaterThanOrEqualTo(3);
            assertThat(events.events).filteredOn(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"))
                    .hasSize(2)
                    .allMatch(e -> ((EngineEvent.Warning) e).message().contains("connection reset by peer"));
        }
        check.assertNoCredential(null, events);
        check.assertNothingLeft();
    }

    /**
     * The registry sits on the first layer upload far longer than the push may take. The daemon cannot take back a
     * request already sent (its registry client sends it without a context), but once the engine has closed the push
     * stream the daemon abandons the push at its next step: when the registry finally answers, no manifest follows.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void registrySlowerThanThePushTimeoutIsStoppedAndReported(Lab.Daemon daemon) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryFaultTest"), daemon);
        RecordingSink events = new RecordingSink();
        String repo = LabSupport.unique("it/slow");
        Duration hold = Duration.ofSeconds(12);
        Throwable error;
        try (FaultProxy proxy = FaultProxy.toTcp(port(lab.plainRegistry()));
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            proxy.on(line -> line.startsWith("PATCH ") && line.contains("/blobs/uploads/"), 1, new FaultProxy.Fault.Hold(hold));
            String registryAddress = "localhost:" + proxy.port();
            String ref = registryAddress + "/" + repo + ":1";
            engine.tag(images.on(daemon), ref);
            try {
                long start = System.nanoTime();
                error = catchThrowable(() -> engine.push(push(ref).timeout(Duration.ofSeconds(5)).build()));
                long took = System.nanoTime() - start;
                assertThat(error).isInstanceOf(RegistryTimeoutException.class)
                        .hasMessageContaining("The push of " + ref + " to registry " + registryAddress + " timed out")
                        .hasMessageContaining("within 5 s")
                        .hasMessageContaining("cancelled on the daemon")
                        .hasMessageContaining("longer timeout");
                assertThat(took).as("the timeout is kept").isBetween(TimeUnit.SECONDS.toNanos(5), TimeUnit.SECONDS.toNanos(15));
                assertThat(proxy.requests).as("the push was under way").anyMatch(l -> l.startsWith("PATCH "));

                // no push left running on the daemon: once the held upload has gone on to the registry (or was
                // dropped), a live push would send its next request at once; watched for a while, no manifest comes
                // (a slow machine can only hide a fault here, never make one up)
                Await.until("the held blob upload is released or dropped", Await.DAEMON,
                        () -> !proxy.forwardedAfterFault.isEmpty() || !proxy.droppedHeld.isEmpty());
                assertThat(Await.holdsWithin(Duration.ofSeconds(3),
                        () -> proxy.requests.stream().anyMatch(FaultProxy.manifestPut())))
                        .as("a manifest after the timeout: the push went on").isFalse();
                assertThat(manifestStatus(lab.plainRegistry(), repo, "1")).as("the image did not reach the registry").isEqualTo(404);

                PushResult again = engine.push(push(ref).timeout(Duration.ofSeconds(30)).build());
                assertThat(again.digests().get(ref)).isEqualTo(LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            } finally {
                engine.remove(ref);
            }
        }
        check.assertClean(error, events);
    }

    @Test
    void pushTimeoutMustBePositiveAndDefaultsToHalfAnHour() {
        assertThat(PushRequest.builder().tag("localhost:5000/x:1").build().timeout()).isEqualTo(Duration.ofMinutes(30));
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
            assertThat(catchThrowable(() -> PushRequest.builder().timeout(bad)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("give a positive duration");
        }
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static int manifestStatus(String registry, String repo, String tag) throws Exception {
        HttpRequest head = HttpRequest.newBuilder(URI.create("http://" + registry.replace("localhost", "127.0.0.1")
                        + "/v2/" + repo + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .build();
        return HttpClient.newHttpClient().send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
