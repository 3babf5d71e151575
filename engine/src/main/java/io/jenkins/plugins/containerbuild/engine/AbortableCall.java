package io.jenkins.plugins.containerbuild.engine;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs blocking daemon I/O on a worker thread so that interrupting the caller really stops it: socket reads do not
 * notice interrupts, so on interrupt every registered {@link Closeable} (the request body, the response) is closed,
 * which drops the connection and makes the daemon cancel its side. The caller then gets the
 * {@link InterruptedException}; it is never swallowed.
 */
final class AbortableCall {

    /** How long to wait for the worker to notice its closed streams after an abort. */
    private static final long ABORT_GRACE_SECONDS = 15;

    private final List<Closeable> onAbort = new CopyOnWriteArrayList<>();
    private volatile boolean aborted;

    /** Registers something to close on abort; closes it at once when the abort already happened. */
    void closeOnAbort(Closeable c) {
        onAbort.add(c);
        if (aborted) {
            closeAll();
        }
    }

    boolean aborted() {
        return aborted;
    }

    <T> T run(String threadName, Callable<T> work) throws ContainerEngineException, InterruptedException {
        try {
            return run(threadName, null, work);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no time limit was set", e);
        }
    }

    /**
     * As {@link #run(String, Callable)}, and when {@code limit} (null: none) passes first the work is stopped the
     * same way as on an abort and a {@link TimeoutException} is thrown.
     */
    <T> T run(String threadName, Duration limit, Callable<T> work)
            throws ContainerEngineException, InterruptedException, TimeoutException {
        if (Thread.interrupted()) {
            throw new InterruptedException("aborted before " + threadName + " started");
        }
        FutureTask<T> task = new FutureTask<>(work);
        Thread worker = Thread.ofPlatform().name(threadName).daemon(true).start(task);
        try {
            return limit == null ? task.get() : task.get(Math.max(1, limit.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            stop(worker, task);
            Thread.interrupted(); // the InterruptedException carries the abort
            throw e;
        } catch (TimeoutException e) {
            stop(worker, task);
            if (Thread.interrupted()) { // aborted while the timed-out work was being stopped: the abort wins
                throw new InterruptedException("aborted after " + threadName + " timed out");
            }
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ContainerEngineException c) {
                throw c;
            }
            if (cause instanceof InterruptedException i) {
                throw i;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new ContainerEngineException("Unexpected failure talking to the daemon: " + cause, cause);
        }
    }

    /** Closes the streams, which ends the work on the daemon, and waits a little for the worker to notice. */
    private void stop(Thread worker, FutureTask<?> task) {
        aborted = true;
        closeAll();
        worker.interrupt();
        try {
            task.get(ABORT_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
            // the worker's own failure is the expected consequence of the abort
        } catch (InterruptedException again) {
            Thread.currentThread().interrupt(); // stop waiting; the caller decides what the interrupt means
        }
    }

    private void closeAll() {
        for (Closeable c : onAbort) {
            try {
                c.close();
            } catch (IOException | RuntimeException ignored) {
                // closing is how the abort is delivered; a failure to close changes nothing
            }
        }
    }
}
