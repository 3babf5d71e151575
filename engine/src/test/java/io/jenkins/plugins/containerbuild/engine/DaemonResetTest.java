package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection resets between the engine and the daemon, injected by a loopback TCP proxy in front of the lab's
 * daemon socket. Idempotent calls (ping, inspect) are retried once by the HTTP client and succeed; a build whose
 * stream is cut gives one clear error, the daemon stops the build, and the next build succeeds.
 */
class DaemonResetTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void resetOnIdempotentCallsIsRetried(Lab.Daemon daemon) throws Exception {
        try (FaultProxy proxy = FaultProxy.toUnixSocket(daemon.socket())) {
            proxy.on(line -> line.startsWith("GET ") && line.endsWith("/_ping"), 1, new FaultProxy.Fault.Reset());
            DaemonEndpoint endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + proxy.port()), null, false);
            try (ContainerEngine engine = ContainerEngine.connect(endpoint, new RecordingSink())) {
                assertThat(proxy.resets).as("the first ping was reset").hasValue(1);
                assertThat(proxy.requests).filteredOn(l -> l.endsWith("/_ping")).hasSize(2);

                proxy.on(line -> line.startsWith("GET ") && line.contains("/images/"), 1, new FaultProxy.Fault.Reset());
                assertThat(engine.inspect(lab.baseImage())).as("the reset inspect was retried").isPresent();
                assertThat(proxy.resets).hasValue(2);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void buildCutByAResetIsOneClearErrorAndTheNextBuildSucceeds(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("DaemonResetTest"), daemon);
        String marker = LabSupport.unique("reset-marker");
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nRUN echo " + marker + " && " + sleep + "\n");
        RecordingSink events = new RecordingSink();
        Throwable error;
        try (FaultProxy proxy = FaultProxy.toUnixSocket(daemon.socket())) {
            DaemonEndpoint endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + proxy.port()), null, false);
            events.when(e -> e instanceof EngineEvent.StepOutput o && o.line().contains(marker), proxy::resetAll);
            try (ContainerEngine engine = ContainerEngine.connect(endpoint, events)) {
                long start = System.nanoTime();
                error = catchThrowable(() -> engine.build(BuildRequest.builder(dir).networkMode("none").build()));
                assertThat(error).isInstanceOf(DaemonUnreachableException.class)
                        .hasMessageStartingWith("The connection to the Docker daemon at tcp://127.0.0.1:" + proxy.port()
                                + " broke during the build")
                        .hasMessageContaining("Connection reset")
                        .hasMessageContaining("run the build again");
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
            }
            assertThat(proxy.resets.get()).isPositive();

            // the daemon saw its client go and stopped the step
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (StepLeftovers.running(sleep) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(StepLeftovers.running(sleep)).as("the RUN step was stopped").isFalse();
            check.assertClean(error, events);
            FaultCheck.assertNextBuildSucceeds(endpoint, daemon.baseImage(), dir);
        }
    }
}
