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
        Thread worker = worker(work, thrown);
        events.when(when, () -> {
            before.run();
            abortedAt.complete(System.nanoTime());
            worker.interrupt();
        });
        worker.start();
        return awaitEnd(worker, thrown, abortedAt);
    }

    /**
     * As {@link #run(RecordingSink, Predicate, Work)}, interrupting once {@code condition} holds (looked at every
     * 10 ms, for up to two minutes): for what no event tells, such as an upload a registry proxy sees.
     */
    static Outcome once(java.util.function.BooleanSupplier condition, Work work) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CompletableFuture<Long> abortedAt = new CompletableFuture<>();
        Thread worker = worker(work, thrown);
        worker.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean() && worker.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(worker.isAlive()).as("the work was still running when the condition held: %s", thrown.get())
                .isTrue();
        assertThat(condition.getAsBoolean()).as("the condition to abort on held").isTrue();
        abortedAt.complete(System.nanoTime());
        worker.interrupt();
        return awaitEnd(worker, thrown, abortedAt);
    }

    private static Thread worker(Work work, AtomicReference<Throwable> thrown) {
        return new Thread(() -> {
            try {
                work.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "abort-test-worker");
    }

    private static Outcome awaitEnd(Thread worker, AtomicReference<Throwable> thrown, CompletableFuture<Long> abortedAt)
            throws InterruptedException {
        worker.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(worker.isAlive()).as("the worker ended after the abort").isFalse();
        assertThat(abortedAt).as("the event to abort on came").isDone();
        long stopped = System.nanoTime();
        return new Outcome(thrown.get(), TimeUnit.NANOSECONDS.toMillis(stopped - abortedAt.getNow(stopped)));
    }
}
