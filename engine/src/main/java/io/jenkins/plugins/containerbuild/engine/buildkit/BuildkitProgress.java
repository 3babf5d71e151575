package io.jenkins.plugins.containerbuild.engine.buildkit;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the successive {@link StatusResponse}s of one BuildKit build into de-duplicated console events.
 *
 * <p>BuildKit re-sends a vertex every time one of its fields changes; this class reports each step's start and
 * its end (completed, cached or failed) exactly once. Log chunks are buffered per vertex and stream and reported
 * as whole lines; an unterminated last line is reported when its vertex ends or on {@link #finish()}. The last
 * lines of every step are retained so that {@link #failure()} can say which step failed and what it printed.
 *
 * <p>Vertices are handled in the order of the response; the end of a vertex whose output arrives in the same
 * response is reported after that output (and after the response's progress and warnings). Instances are for a single build and are thread-safe.
 */
public final class BuildkitProgress {
    /** Default number of trailing output lines kept per step. */
    public static final int DEFAULT_TAIL_LINES = 20;

    /** An unterminated line longer than this is reported as it stands instead of being buffered further. */
    static final int MAX_PARTIAL_LINE = 64 * 1024;

    /** Receives console events. All methods have empty defaults; called while the progress lock is held. */
    public interface Listener {
        /** A step began executing (or was resolved from cache). Reported once per step. */
        default void stepStarted(String name) {}

        /** A step finished without error; {@code took} is zero when timestamps are missing. Reported once. */
        default void stepCompleted(String name, boolean cached, Duration took) {}

        /** A step finished with an error. Reported once. */
        default void stepFailed(String name, String error) {}

        /** One whole line of output (without the line terminator); stream 1 is stdout, 2 stderr. */
        default void log(String stepName, int stream, String text) {}

        /** A sub-task progress change (e.g. a layer transfer); repeats of the same numbers are suppressed. */
        default void progress(String stepName, String id, long current, long total) {}

        /** A build warning; identical warnings for the same step are reported once. */
        default void warning(String stepName, String message) {}
    }

    /** The step that made the build fail, its error and its last output lines (oldest first). */
    public record FailedStep(String name, String error, List<String> lastLines) {
        /** The name and the error, which the daemon chose, made one printable line each; the lines printable. */
        public FailedStep {
            name = Printable.line(Objects.requireNonNull(name, "name"));
            error = Printable.line(Objects.requireNonNull(error, "error"));
            lastLines = List.copyOf(lastLines.stream().map(Printable::output).toList());
        }
    }

    private final Listener listener;
    private final int tailLines;
    private final Map<String, Step> steps = new LinkedHashMap<>();
    private final List<String> startedNames = new ArrayList<>();
    private static final java.util.regex.Pattern DOCKERFILE_STEP =
            java.util.regex.Pattern.compile("\\[(?:[^\\]]+ )?\\d+/\\d+\\] ");
    private int cachedSteps;

    private static boolean isBuildStep(String name) {
        java.util.regex.Matcher m = DOCKERFILE_STEP.matcher(name);
        return m.lookingAt() && !name.startsWith("FROM ", m.end());
    }
    private Step failed;

    public BuildkitProgress(Listener listener) {
        this(listener, DEFAULT_TAIL_LINES);
    }

    public BuildkitProgress(Listener listener, int tailLines) {
        this.listener = Objects.requireNonNull(listener, "listener");
        if (tailLines < 0) {
            throw new IllegalArgumentException("tailLines must not be negative: " + tailLines);
        }
        this.tailLines = tailLines;
    }

    /** Decodes the base64 {@code aux} payload of a {@code moby.buildkit.trace} line and processes it. */
    public void acceptAux(String aux) throws MalformedProtobufException {
        accept(StatusResponse.parseBase64(aux));
    }

    public synchronized void accept(StatusResponse response) {
        Set<String> withLogs = new HashSet<>();
        for (VertexLog l : response.logs()) {
            withLogs.add(l.vertex());
        }
        Set<Step> deferred = new LinkedHashSet<>();
        for (Vertex v : response.vertexes()) {
            Step step = step(v.digest());
            step.update(v);
            if (!step.started && (step.startedAt != null || step.isTerminal())) {
                step.started = true;
                startedNames.add(step.name());
                listener.stepStarted(step.name());
            }
            if (withLogs.contains(v.digest())) {
                deferred.add(step); // report its end after the output that came with it
            } else {
                end(step);
            }
        }
        for (VertexStatus s : response.statuses()) {
            Step step = step(s.vertex());
            String id = s.id().isEmpty() ? s.name() : s.id();
            long[] now = {s.current(), s.total()};
            long[] before = step.lastProgress.put(id, now);
            if (before == null || before[0] != now[0] || before[1] != now[1]) {
                listener.progress(step.name(), id, s.current(), s.total());
            }
        }
        for (VertexLog l : response.logs()) {
            step(l.vertex()).append(l.stream(), l.msg());
        }
        for (VertexWarning w : response.warnings()) {
            Step step = step(w.vertex());
            String message = w.shortMessage().strip();
            if (!w.url().isEmpty()) {
                message = message + " (" + w.url() + ")";
            }
            if (step.warnings.add(message)) {
                listener.warning(step.name(), message);
            }
        }
        for (Step step : deferred) {
            end(step);
        }
    }

    private void end(Step step) {
        if (step.ended || !step.isTerminal()) {
            return;
        }
        step.ended = true;
        step.flush();
        if (!step.error.isEmpty()) {
            if (failed == null || (isCancellation(failed.error) && !isCancellation(step.error))) {
                failed = step;
            }
            listener.stepFailed(step.name(), step.error);
        } else {
            if (step.cached && isBuildStep(step.name())) {
                cachedSteps++;
            }
            listener.stepCompleted(step.name(), step.cached, step.duration());
        }
    }

    /** Reports the unterminated last line of every step; call when the build stream ends. */
    public synchronized void finish() {
        for (Step step : steps.values()) {
            step.flush();
        }
    }

    /**
     * The step that failed the build, if any. When several steps failed, a real error is preferred over the
     * "context canceled" errors BuildKit reports for steps it aborted because of it.
     */
    public synchronized Optional<FailedStep> failure() {
        if (failed == null) {
            return Optional.empty();
        }
        return Optional.of(new FailedStep(failed.name(), failed.error, List.copyOf(failed.tail)));
    }

    /**
     * Number of Dockerfile steps ({@code [2/3] RUN ...}, {@code [stage 2/2] COPY ...}) that completed from cache.
     * BuildKit's own vertices ({@code [internal] ...}, {@code copy /context /}) and FROM, which BuildKit may call
     * cached even with no-cache, do not count, as the classic builder's count does not include them either.
     */
    public synchronized int cachedSteps() {
        return cachedSteps;
    }

    /** Names of the steps that started, in the order they started (internal steps included). */
    public synchronized List<String> stepNames() {
        return List.copyOf(startedNames);
    }

    /** The last output lines of the step with the given name (the most recent step of that name); empty if none. */
    public synchronized List<String> lastLines(String stepName) {
        List<Step> all = new ArrayList<>(steps.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).name().equals(stepName)) {
                return List.copyOf(all.get(i).tail);
            }
        }
        return List.of();
    }

    static boolean isCancellation(String error) {
        String e = error.strip();
        return e.equals("canceled") || e.equals("cancelled") || e.endsWith("context canceled");
    }

    private Step step(String digest) {
        return steps.computeIfAbsent(digest, Step::new);
    }

    private final class Step {
        final String digest;
        String name = "";
        boolean cached;
        Instant startedAt;
        Instant completedAt;
        String error = "";
        boolean started;
        boolean ended;
        final Map<Long, ByteArrayOutputStream> partial = new HashMap<>();
        final ArrayDeque<String> tail = new ArrayDeque<>();
        final Map<String, long[]> lastProgress = new HashMap<>();
        final Set<String> warnings = new HashSet<>();

        Step(String digest) {
            this.digest = digest;
        }

        String name() {
            return name.isEmpty() ? digest : name;
        }

        void update(Vertex v) {
            if (!v.name().isEmpty()) {
                name = v.name();
            }
            cached = v.cached();
            if (v.started() != null) {
                startedAt = v.started();
            }
            if (v.completed() != null) {
                completedAt = v.completed();
            }
            if (!v.error().isEmpty() && !ended) { // keep the error that was reported
                error = v.error();
            }
        }

        boolean isTerminal() {
            return completedAt != null || !error.isEmpty();
        }

        Duration duration() {
            if (startedAt == null || completedAt == null || completedAt.isBefore(startedAt)) {
                return Duration.ZERO;
            }
            return Duration.between(startedAt, completedAt);
        }

        void append(long stream, byte[] msg) {
            ByteArrayOutputStream buf = partial.computeIfAbsent(stream, k -> new ByteArrayOutputStream());
            int from = 0;
            for (int i = 0; i < msg.length; i++) {
                if (msg[i] == '\n') {
                    buf.write(msg, from, i - from);
                    emit(stream, buf);
                    from = i + 1;
                } else if (buf.size() + (i + 1 - from) >= MAX_PARTIAL_LINE) {
                    buf.write(msg, from, i + 1 - from);
                    emit(stream, buf);
                    from = i + 1;
                }
            }
            buf.write(msg, from, msg.length - from);
        }

        void flush() {
            for (Map.Entry<Long, ByteArrayOutputStream> e : partial.entrySet()) {
                if (e.getValue().size() > 0) {
                    emit(e.getKey(), e.getValue());
                }
            }
        }

        private void emit(long stream, ByteArrayOutputStream buf) {
            String line = buf.toString(StandardCharsets.UTF_8);
            buf.reset();
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (tailLines > 0) {
                if (tail.size() == tailLines) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            listener.log(name(), (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, stream)), line);
        }
    }
}
