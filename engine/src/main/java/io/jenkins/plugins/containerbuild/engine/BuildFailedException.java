package io.jenkins.plugins.containerbuild.engine;

import java.util.List;

/** A build step failed on the daemon; carries the step and the last lines it printed. */
public class BuildFailedException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    private final String step;
    private final List<String> lastLines;

    public BuildFailedException(String step, String error, List<String> lastLines) {
        this(step, lastLines, message(step, error, lastLines));
    }

    /** For kinds of failed steps that say more than the step and its error: {@code message} is the whole message. */
    protected BuildFailedException(String step, List<String> lastLines, String message) {
        super(message);
        this.step = step;
        this.lastLines = List.copyOf(lastLines);
    }

    private static String message(String step, String error, List<String> lastLines) {
        StringBuilder b = new StringBuilder();
        b.append("Build failed");
        if (step != null && !step.isEmpty()) {
            b.append(" at step ").append(step);
        }
        b.append(": ").append(error).append(". Fix the Dockerfile or the build context and run the build again.");
        if (!lastLines.isEmpty()) {
            b.append("\nLast output of the step:");
            for (String line : lastLines) {
                b.append("\n  ").append(line);
            }
        }
        return b.toString();
    }

    /** The failing step as the daemon names it, such as {@code [2/3] RUN make}; may be null when unknown. */
    public String step() {
        return step;
    }

    public List<String> lastLines() {
        return lastLines;
    }
}
