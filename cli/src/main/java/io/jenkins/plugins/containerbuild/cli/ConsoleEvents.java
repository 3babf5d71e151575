package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the engine's events as readable lines on the error stream: phases as {@code ==>}, steps as
 * {@code Step ...}, step output indented, transfer progress once per change of status, warnings. Every line, and
 * every message the CLI prints through {@link #error}, has the registered secrets masked, and its control characters
 * but line feeds and tabs escaped ({@link Printable}): the engine's events and errors come so already, this keeps
 * it so for whatever else the CLI prints.
 */
final class ConsoleEvents implements EventSink {

    private final PrintStream err;
    private final List<String> secrets = new ArrayList<>();
    private final Map<String, String> lastProgress = new HashMap<>();

    ConsoleEvents(PrintStream err) {
        this.err = err;
    }

    /** Masks {@code secret} in everything printed from now on. */
    synchronized void addSecret(String secret) {
        if (secret != null && !secret.isEmpty()) {
            secrets.add(secret);
        }
    }

    @Override
    public synchronized void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.Phase p -> print("==> " + p.message());
            case EngineEvent.StepStarted s -> print(stepName(s.step()));
            case EngineEvent.StepCompleted c -> print("  " + (c.cached() ? "CACHED " : "DONE ")
                    + stripStep(c.step()) + (c.cached() ? "" : " (" + seconds(c.took().toMillis()) + ")"));
            case EngineEvent.StepOutput o -> {
                for (String line : o.line().split("\r?\n", -1)) {
                    if (!line.isBlank()) {
                        print("    | " + stripEnd(line));
                    }
                }
            }
            case EngineEvent.Progress p when p.subject().equals("build context") ->
                // the engine reports the upload every 16 MiB and at its end: print each one, with the size
                print("  build context: " + p.status() + " " + megabytes(p.current()));
            case EngineEvent.Progress p -> {
                String key = p.subject();
                if (!p.status().equals(lastProgress.put(key, p.status()))) {
                    print("  " + (p.subject().isEmpty() ? "" : p.subject() + ": ") + p.status());
                }
            }
            case EngineEvent.Warning w -> print("WARNING: " + w.message());
        }
    }

    /** Prints a message of the CLI itself, masked like the events. */
    synchronized void error(String message) {
        print(message);
    }

    private void print(String line) {
        String masked = line;
        for (String s : secrets) {
            masked = masked.replace(s, "****");
        }
        err.println(Printable.output(masked));
        err.flush();
    }

    /** The classic builder already says {@code Step 1/3 : ...}; BuildKit names vertices {@code [1/3] RUN ...}. */
    private static String stepName(String step) {
        return step.startsWith("Step ") ? step : "Step " + step;
    }

    private static String stripStep(String step) {
        return step.startsWith("Step ") ? step.substring(5) : step;
    }

    private static String stripEnd(String s) {
        int end = s.length();
        while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
