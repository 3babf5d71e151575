package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns the classic builder's {@code stream} text into step events: {@code Step 2/3 : RUN make} starts a step,
 * {@code ---> Using cache} marks it cached, other lines are the step's output. Buildah's text (Podman) has the same
 * shape: {@code STEP 2/3: RUN make} ({@code [1/2] STEP 2/3: ...} in a multi-stage build), {@code --> Using cache ID}.
 * Keeps the last lines of the current step for the failure report.
 */
final class ClassicProgress {

    private static final Pattern STEP = Pattern.compile("^(Step \\d+/\\d+ : |(\\[\\d+/\\d+\\] )?STEP \\d+/\\d+: ).*");
    private static final int TAIL = 20;

    private final EventSink events;
    private final StringBuilder partial = new StringBuilder();
    private final Deque<String> tail = new ArrayDeque<>();
    private String current;
    private boolean currentCached;
    private long currentStart;
    private int cachedSteps;

    ClassicProgress(EventSink events) {
        this.events = events;
    }

    void accept(String streamText) {
        partial.append(streamText);
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            line(partial.substring(0, nl).stripTrailing());
            partial.delete(0, nl + 1);
        }
    }

    private void line(String line) {
        if (STEP.matcher(line).matches()) {
            completeCurrent();
            current = line;
            currentCached = false;
            currentStart = System.nanoTime();
            tail.clear();
            events.accept(new EngineEvent.StepStarted(line));
            return;
        }
        String trimmed = line.trim();
        if (trimmed.isEmpty()) {
            return;
        }
        if (trimmed.equals("---> Using cache") || trimmed.startsWith("--> Using cache ")) {
            currentCached = true;
            return;
        }
        if (trimmed.startsWith("---> ") || trimmed.startsWith("--> ") || trimmed.startsWith("COMMIT ")
                || trimmed.startsWith("Removing intermediate container")) {
            return; // the builder's own bookkeeping
        }
        tail.addLast(line);
        if (tail.size() > TAIL) {
            tail.removeFirst();
        }
        events.accept(new EngineEvent.StepOutput(current != null ? current : "", line));
    }

    private void completeCurrent() {
        if (current != null) {
            if (currentCached) {
                cachedSteps++;
            }
            events.accept(new EngineEvent.StepCompleted(current, currentCached,
                    Duration.ofNanos(System.nanoTime() - currentStart)));
            current = null;
        }
    }

    /** The build ended well: flush the last line and complete the last step. */
    void finish() {
        flushPartial();
        completeCurrent();
    }

    /** The step running when the build failed, or null. */
    String currentStep() {
        flushPartial();
        return current;
    }

    List<String> lastLines() {
        flushPartial();
        return List.copyOf(tail);
    }

    private void flushPartial() {
        if (!partial.isEmpty()) {
            String rest = partial.toString();
            partial.setLength(0);
            line(rest);
        }
    }

    int cachedSteps() {
        return cachedSteps;
    }
}
