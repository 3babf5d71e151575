package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A daemon that dies mid-build gives one clear error, and the next build on the restarted daemon succeeds. */
class DaemonFaultTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void daemonKilledMidBuild(Lab.Daemon kind, @TempDir Path dir) throws Exception {
        try (DisposableDaemon daemon = new DisposableDaemon(kind)) {
            LabSupport.context(dir, "FROM busybox:local\nRUN echo step-is-running && sleep 300\n");
            RecordingSink events = new RecordingSink();
            AtomicReference<Throwable> killError = new AtomicReference<>();
            events.when(e -> e instanceof EngineEvent.StepOutput o && o.line().contains("step-is-running"), () -> {
                try {
                    daemon.kill();
                } catch (InterruptedException e) {
                    killError.set(e);
                }
            });
            FaultCheck check = FaultCheck.begin(LabSupport.unique("DaemonFaultTest"));
            long start = System.nanoTime();
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
                Throwable error = catchThrowable(() -> engine.build(BuildRequest.builder(dir).networkMode("none").build()));
                assertThat(error).isInstanceOf(DaemonUnreachableException.class)
                        .hasMessageContaining(daemon.socket().toString())
                        .hasMessageContaining("broke during the build")
                        .hasMessageContaining("check that it runs");
                check.assertClean(error, events);
            }
            assertThat(killError.get()).isNull();
            assertThat(daemon.alive()).isFalse();
            assertThat(System.nanoTime() - start).as("the failure is noticed at once").isLessThan(60_000_000_000L);

            daemon.start();
            LabSupport.context(dir, "FROM busybox:local\nRUN echo after-the-crash\n");
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                assertThat(engine.build(BuildRequest.builder(dir).networkMode("none").build()).imageId()).startsWith("sha256:");
            }
        }
    }
}
