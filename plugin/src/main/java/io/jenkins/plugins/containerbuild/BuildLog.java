package io.jenkins.plugins.containerbuild;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the engine's events to the build log as they happen (on the agent, through the remoted listener): phases
 * as {@code [containerBuild] ...}, build steps and their output, a line per change of transfer status, warnings.
 * Secrets that the step knows of are masked in every line as a second line of defence; the engine's events carry
 * none. The log is written line by line, so a multi-line secret (a PEM key) is masked by each of its lines, whether
 * the lines arrive together or one by one; longer secrets are masked first, so that one contained in another leaves
 * nothing of the longer one. Control characters but line feeds and tabs are escaped ({@link Printable}) in every line:
 * the engine's events come so already, this keeps it so for the step's own lines, which may quote an exception.
 */
final class BuildLog implements EventSink {

    private final PrintStream out;
    private final String prefix;
    private final List<String> secrets;
    private final Map<String, String> lastStatus = new HashMap<>();

    BuildLog(PrintStream out, String functionName, List<String> secrets) {
        this.out = out;
        this.prefix = "[" + functionName + "] ";
        this.secrets = secrets.stream()
                .filter(s -> s != null && !s.isEmpty())
                .flatMap(s -> Stream.concat(Stream.of(s), s.lines().map(String::strip)))
                .filter(s -> !s.isEmpty())
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    @Override
    public synchronized void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.Phase p -> line(p.message());
            case EngineEvent.StepStarted s -> line(s.step());
            case EngineEvent.StepCompleted c -> line((c.cached() ? "CACHED " : "DONE ") + c.step()
                    + (c.cached() ? "" : String.format(Locale.ROOT, " (%.1fs)", c.took().toMillis() / 1000.0)));
            case EngineEvent.StepOutput o -> {
                for (String l : o.line().split("\r?\n")) {
                    if (!l.isBlank()) {
                        print("  | " + l.stripTrailing());
                    }
                }
            }
            case EngineEvent.Progress p -> {
                if (!p.status().equals(lastStatus.put(p.subject(), p.status()))) {
                    line((p.subject().isEmpty() ? "" : p.subject() + ": ") + p.status());
                }
            }
            case EngineEvent.Warning w -> line("WARNING: " + w.message());
        }
    }

    /** A line of the step itself. */
    synchronized void line(String message) {
        print(prefix + message);
    }

    private void print(String line) {
        String masked = line;
        for (String s : secrets) {
            masked = masked.replace(s, "****");
        }
        out.println(Printable.output(masked));
        out.flush();
    }
}
