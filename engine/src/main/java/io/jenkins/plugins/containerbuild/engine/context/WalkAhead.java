package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a walk (a {@link ContextWalker}'s) on its own thread, a few batches of entries ahead of the visitor, which still sees
 * every entry on the calling thread and in walk order. Listing directories and reading attributes then overlaps
 * with opening, reading and writing the files: for a context of many small files each half costs about as much as
 * the other. What the walk throws is rethrown to the caller after the entries walked before it; when the visitor
 * throws, the walk stops at its next entry. At most {@link #BATCHES_AHEAD} batches of {@link #BATCH} entries wait
 * between the two threads.
 */
final class WalkAhead {

    static final int BATCH = 128;
    static final int BATCHES_AHEAD = 8;
    private static final String THREAD_NAME = "build-context-walk";
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    private final ArrayDeque<List<ContextEntry>> ready = new ArrayDeque<>();
    private boolean walkDone; // guarded by this, as are ready and failure
    private Throwable failure;
    private volatile boolean visitorGone;

    private WalkAhead() {}

    /** A walk giving its entries to a visitor, such as {@link ContextWalker#walk}. */
    @FunctionalInterface
    interface Walk {
        void walk(ContextWalker.Visitor visitor) throws IOException;
    }

    /**
     * Walks on a new thread named {@code build-context-walk-N} and gives each entry to
     * {@code visitor} on this thread, in order; returns when the walk is done and every entry visited.
     */
    static void walk(Walk walk, ContextWalker.Visitor visitor) throws IOException {
        WalkAhead ahead = new WalkAhead();
        Thread thread = new Thread(() -> ahead.produce(walk), THREAD_NAME + "-" + THREAD_NUMBER.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
        try {
            ahead.consume(visitor);
        } finally {
            ahead.visitorGone = true; // normally the walk is over already; otherwise it stops at its next entry
            synchronized (ahead) {
                ahead.notifyAll();
            }
            if (thread.isAlive()) {
                thread.interrupt(); // also stops it in a part of the tree that .dockerignore excludes
            }
        }
    }

    private void produce(Walk walk) {
        Throwable error = null;
        Batcher batcher = new Batcher();
        try {
            walk.walk(batcher);
        } catch (VisitorGoneException stopped) {
            return; // nobody takes the entries any more: nothing to report
        } catch (Throwable t) {
            error = t; // reported after the entries walked before it
        }
        try {
            if (!batcher.batch.isEmpty()) {
                hand(batcher.batch);
            }
        } catch (VisitorGoneException stopped) {
            return;
        }
        synchronized (this) {
            walkDone = true;
            failure = error;
            notifyAll();
        }
    }

    /** Gathers the walk's entries into batches and hands each full one over. */
    private final class Batcher implements ContextWalker.Visitor {
        List<ContextEntry> batch = new ArrayList<>(BATCH);

        @Override
        public void visit(ContextEntry entry) throws IOException {
            if (visitorGone) {
                throw new VisitorGoneException();
            }
            batch.add(entry);
            if (batch.size() == BATCH) {
                hand(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
    }

    private synchronized void hand(List<ContextEntry> batch) throws VisitorGoneException {
        while (ready.size() >= BATCHES_AHEAD && !visitorGone) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VisitorGoneException();
            }
        }
        if (visitorGone) {
            throw new VisitorGoneException();
        }
        ready.add(batch);
        if (ready.size() == 1) {
            notifyAll(); // the visitor may be waiting for it
        }
    }

    private void consume(ContextWalker.Visitor visitor) throws IOException {
        while (true) {
            List<ContextEntry> batch;
            synchronized (this) {
                while (ready.isEmpty() && !walkDone) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("Interrupted while walking the build context.");
                    }
                }
                batch = ready.poll();
                if (batch == null) {
                    if (failure != null) {
                        throw rethrown(failure);
                    }
                    return;
                }
                if (ready.size() == BATCHES_AHEAD - 1) {
                    notifyAll(); // the walk may be waiting for room
                }
            }
            for (ContextEntry entry : batch) {
                visitor.visit(entry);
            }
        }
    }

    /** The walk's own exception, so that the caller sees the same type and message as from a walk on its thread. */
    private static IOException rethrown(Throwable failure) {
        if (failure instanceof IOException e) {
            return e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IOException("Could not walk the build context: " + failure.getMessage(), failure);
    }

    /** Ends the walk when the visitor has stopped taking entries. */
    private static final class VisitorGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        VisitorGoneException() {
            super("the build context walk was stopped");
        }
    }
}
