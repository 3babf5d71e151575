package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalkAheadTest {

    @TempDir
    Path tmp;

    /** More entries than the batches that may wait between the threads, so the walk has to wait for the visitor. */
    private Path treeOfManyBatches() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("ctx")).toRealPath();
        int files = WalkAhead.BATCH * (WalkAhead.BATCHES_AHEAD + 3) + 7;
        for (int i = 0; i < files; i++) {
            Path dir = Files.createDirectories(root.resolve("d" + (i / 50)));
            Files.writeString(dir.resolve("f" + i), "x");
        }
        return root;
    }

    @Test
    void visitsEveryEntryInWalkOrderOnTheCallingThreadWithAtMostSomeBatchesAhead() throws Exception {
        Path root = treeOfManyBatches();
        List<String> direct = new ArrayList<>();
        new ContextWalker(root, DockerIgnore.none()).walk(entry -> direct.add(entry.name()));
        List<String> ahead = new ArrayList<>();
        Thread caller = Thread.currentThread();
        List<Thread> visitingThreads = new ArrayList<>();
        List<Integer> walkedWhenTheWalkWaited = new ArrayList<>();
        AtomicInteger walked = new AtomicInteger();

        AtomicReference<Thread> walkThread = new AtomicReference<>();
        WalkAhead.walk(visitor -> {
            walkThread.set(Thread.currentThread());
            new ContextWalker(root, DockerIgnore.none()).walk(entry -> {
                walked.incrementAndGet();
                visitor.visit(entry);
            });
        }, entry -> {
            if (ahead.isEmpty()) {
                // the first entry is not visited yet: the walk fills the batches it may hand over, then waits
                awaitWalkThread(walkThread.get(), Thread.State.WAITING);
                walkedWhenTheWalkWaited.add(walked.get());
            }
            ahead.add(entry.name());
            if (Thread.currentThread() != caller) {
                visitingThreads.add(Thread.currentThread());
            }
        });

        assertThat(ahead).hasSize(direct.size()).isEqualTo(direct);
        assertThat(visitingThreads).isEmpty();
        // the batch the visitor took, the batches waiting and a full one that the walk waits to hand over
        assertThat(walkedWhenTheWalkWaited).containsExactly(WalkAhead.BATCH * (WalkAhead.BATCHES_AHEAD + 2));
    }

    @Test
    void aFailureOfTheWalkIsRethrownAfterTheEntriesBeforeIt() throws Exception {
        Path root = treeOfManyBatches();
        List<String> direct = new ArrayList<>();
        new ContextWalker(root, DockerIgnore.none()).walk(entry -> direct.add(entry.name()));
        ContextException failure = new ContextException("Cannot read the last entry");
        List<String> names = new ArrayList<>();

        assertThatThrownBy(() -> WalkAhead.walk(visitor -> {
            new ContextWalker(root, DockerIgnore.none()).walk(visitor);
            throw failure;
        }, entry -> names.add(entry.name()))).isSameAs(failure);

        assertThat(names).hasSize(direct.size()).isEqualTo(direct);
    }

    @Test
    void aFailingVisitorStopsTheWalk() throws Exception {
        Path root = treeOfManyBatches();
        List<String> names = new ArrayList<>();

        AtomicReference<Thread> walkThread = new AtomicReference<>();
        assertThatThrownBy(() -> WalkAhead.walk(visitor -> {
            walkThread.set(Thread.currentThread());
            new ContextWalker(root, DockerIgnore.none()).walk(visitor);
        }, entry -> {
            names.add(entry.name());
            if (names.size() == 3) {
                throw new IOException("target closed");
            }
        })).hasMessage("target closed");

        assertThat(names).hasSize(3);
        awaitWalkThread(walkThread.get(), Thread.State.TERMINATED);
    }

    @Test
    void aWalkBetweenEntriesIsInterruptedWhenTheVisitorStops() throws Exception {
        Path root = treeOfManyBatches();
        ContextEntry first = new ContextEntry("a", root.resolve("a"), ContextEntry.Type.FILE, 0644, 0, 0, null, null);
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        // as a walk through a large part of the tree that .dockerignore excludes: long, and no entry to hand over
        AtomicReference<Thread> walkThread = new AtomicReference<>();
        WalkAhead.Walk longSilence = visitor -> {
            walkThread.set(Thread.currentThread());
            for (int i = 0; i < WalkAhead.BATCH; i++) { // one full batch: handed over, the visitor fails on it
                visitor.visit(first);
            }
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                stopped.countDown();
                throw new InterruptedIOException("stopped");
            }
        };

        assertThatThrownBy(() -> WalkAhead.walk(longSilence, entry -> {
            throw new IOException("target closed");
        })).hasMessage("target closed");

        assertThat(stopped.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("walk thread interrupted").isTrue();
        awaitWalkThread(walkThread.get(), Thread.State.TERMINATED);
    }

    @Test
    void anInterruptedThreadStopsTheWalkerAtItsNextDirectory() throws Exception {
        Path root = treeOfManyBatches();
        List<String> names = new ArrayList<>();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> new ContextWalker(root, DockerIgnore.parse("d*\n!d*/none")).walk(e -> names.add(e.name())))
                    .isInstanceOf(InterruptedIOException.class).hasMessageContaining("stopped");
        } finally {
            Thread.interrupted();
        }
        assertThat(names).isEmpty();
    }

    /**
     * Polls until this walk's own thread (captured inside its walk) is in this state; fails after 30 s. Other tests
     * in this JVM may run walk threads of the same name, so no thread is looked up by name.
     */
    private static void awaitWalkThread(Thread walk, Thread.State state) throws InterruptedIOException {
        assertThat(walk).as("the walk ran on a thread of its own").isNotNull();
        try {
            Await.until("walk thread in state " + state + " (it is " + walk.getState() + ")", Await.LOCAL,
                    () -> walk.getState() == state);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
}
