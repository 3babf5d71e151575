package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the step: SynchronousNonBlockingStepExecution.stop() cancels the task running {@code run()}, which
 * interrupts its thread; through remoting that interrupts the agent thread running the callable. Here the callable
 * runs in-process, so interrupting the execution's thread is exactly that, and the build must end at once.
 */
@ExtendWith(JenkinsStatics.class)
class AbortTest {

    @TempDir
    Path workspace;

    @Test
    void interruptingTheExecutionThreadAbortsTheBuild() throws Exception {
        Lab lab = Lab.get();
        String id = Fixtures.unique();
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN echo sleeping-" + id + " && sleep 300\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setNetwork("none");
        build.setNoCache(true);

        // the step runs on the test thread, where Jenkins' statics are mocked (Mockito's static mocks are per
        // thread); another thread plays Jenkins stopping the step: it interrupts the step's thread once the RUN
        // step shows in the log, or after a minute without it
        Thread stepThread = Thread.currentThread();
        AtomicReference<Throwable> notSeen = new AtomicReference<>();
        long[] stopped = {0};
        Thread stopper = new Thread(() -> {
            try {
                awaitLog(harness, "sleeping-" + id, Duration.ofSeconds(60));
            } catch (Throwable t) {
                notSeen.set(t);
            }
            stopped[0] = System.nanoTime();
            stepThread.interrupt();
        }, "containerBuild-abort-test");
        stopper.start();
        Throwable failure;
        try {
            harness.build(build);
            failure = null;
        } catch (Throwable t) {
            failure = t;
        } finally {
            stopper.join(TimeUnit.SECONDS.toMillis(90));
            Thread.interrupted(); // an interrupt that came after the build ended must not reach the next test
        }

        assertThat(notSeen.get()).as("the RUN step's output before the stop").isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - stopped[0])).isLessThan(Duration.ofSeconds(30));
        assertThat(failure).isInstanceOf(InterruptedException.class);
        assertThat(harness.log()).doesNotContain("Built sha256:");
    }

    private static void awaitLog(StepHarness harness, String text, Duration timeout) throws Exception {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!harness.log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the log within " + timeout + ":\n" + harness.log());
            }
            try {
                seen.get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // poll again
            }
        }
    }
}
