package io.jenkins.plugins.containerbuild.engine.event;

import io.jenkins.plugins.containerbuild.engine.Printable;
import java.time.Duration;

/**
 * Something the engine reports while it works: a phase, a build step starting or ending, a line a step printed,
 * progress of a transfer, a warning. Events never carry credentials, and never a control character: much of their
 * text comes from the daemon (step names, host names, statuses, errors), so each event escapes its strings with
 * {@link Printable} when it is made, and a sink may print them as they are. Only a step's output keeps its line feeds
 * and tabs.
 */
public sealed interface EngineEvent {

    /** A phase of the work, such as connecting, sending the context or pushing a tag. */
    record Phase(String message) implements EngineEvent {
        public Phase {
            message = Printable.line(message);
        }
    }

    /** A build step (a Dockerfile instruction, or a BuildKit vertex) started. */
    record StepStarted(String step) implements EngineEvent {
        public StepStarted {
            step = Printable.line(step);
        }
    }

    /** A build step ended; {@code cached} when the daemon reused an earlier result. */
    record StepCompleted(String step, boolean cached, Duration took) implements EngineEvent {
        public StepCompleted {
            step = Printable.line(step);
        }
    }

    /** One line that a build step printed. */
    record StepOutput(String step, String line) implements EngineEvent {
        public StepOutput {
            step = Printable.line(step);
            line = Printable.output(line);
        }
    }

    /** Progress of a transfer: {@code total} is 0 when unknown. */
    record Progress(String subject, String status, long current, long total) implements EngineEvent {
        public Progress {
            subject = Printable.line(subject);
            status = Printable.line(status);
        }
    }

    /** Something the user should know that does not stop the work. */
    record Warning(String message) implements EngineEvent {
        public Warning {
            message = Printable.line(message);
        }
    }
}
