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

        // the step runs on the test thread, where the Jenkins statics are mocked (Mockito's are per thread); another
        // thread interrupts it once the build's RUN step runs
        Thread stepThread = Thread.currentThread();
        AtomicReference<Throwable> watcherFailure = new AtomicReference<>();
        long[] stopped = {0};
        Thread watcher = new Thread(() -> {
            try {
                awaitLog(harness, "sleeping-" + id, Duration.ofSeconds(60));
                stopped[0] = System.nanoTime();
                stepThread.interrupt();
            } catch (Throwable t) {
                watcherFailure.set(t);
                stepThread.interrupt();
            }
        }, "containerBuild-abort-test");
        watcher.start();
        Throwable failure = null;
        try {
            harness.build(build);
        } catch (Throwable t) {
            failure = t;
        }
        long ended = System.nanoTime();
        Thread.interrupted(); // clears what the watcher set, if the build ended first
        watcher.join(TimeUnit.SECONDS.toMillis(70));

        assertThat(watcherFailure.get()).as("the RUN step was seen running").isNull();
        assertThat(Duration.ofNanos(ended - stopped[0])).isLessThan(Duration.ofSeconds(30));
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
