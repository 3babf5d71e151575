package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * How the tests abort: the work runs on a thread of its own, which is interrupted (as Jenkins and the CLI abort a
 * step) on the event thread when an event matches; then the test waits for the work to end.
 */
final class AbortWhen {

    private AbortWhen() {}

    /** What the work threw (null: nothing), and how long it went on after the interrupt. */
    record Outcome(Throwable thrown, long millis) {}

    interface Work {
        void run() throws Exception;
    }

    static Outcome run(RecordingSink events, Predicate<EngineEvent> when, Work work) throws InterruptedException {
        return run(events, when, () -> {}, work);
    }

    /** As {@link #run(RecordingSink, Predicate, Work)}; {@code before} runs on the event thread just before the interrupt. */
    static Outcome run(RecordingSink events, Predicate<EngineEvent> when, Runnable before, Work work)
            throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CompletableFuture<Long> abortedAt = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "abort-test-worker");
        events.when(when, () -> {
            before.run();
            abortedAt.complete(System.nanoTime());
            worker.interrupt();
        });
        worker.start();
        worker.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(worker.isAlive()).as("the worker ended after the abort").isFalse();
        assertThat(abortedAt).as("the event to abort on came").isDone();
        long stopped = System.nanoTime();
        return new Outcome(thrown.get(), TimeUnit.NANOSECONDS.toMillis(stopped - abortedAt.getNow(stopped)));
    }
}
