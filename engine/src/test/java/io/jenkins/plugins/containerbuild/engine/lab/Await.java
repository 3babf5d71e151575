package io.jenkins.plugins.containerbuild.engine.lab;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Polls a condition until it holds or a deadline passes, for tests that wait for something to happen instead of
 * sleeping a fixed time. The deadlines are sized for a loaded 2-core machine shared with other test runs: generous,
 * since a condition that holds ends the wait at once.
 */
public final class Await {

    /** For what happens inside the JVM (a thread blocks, a stream fills). */
    public static final Duration LOCAL = Duration.ofSeconds(30);
    /** For what a daemon or a registry must do (drop a connection, remove a container). */
    public static final Duration DAEMON = Duration.ofSeconds(60);

    private Await() {}

    /** Waits until {@code condition} holds; fails naming {@code what} when it does not within {@code deadline}. */
    public static void until(String what, Duration deadline, BooleanSupplier condition) throws InterruptedException {
        if (!holdsWithin(deadline, condition)) {
            throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what);
        }
    }

    /** Whether {@code condition} held within {@code deadline}; polled every 20 ms. */
    public static boolean holdsWithin(Duration deadline, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return condition.getAsBoolean();
            }
            Thread.sleep(20);
        }
        return true;
    }
}
