package io.jenkins.plugins.containerbuild.engine.event;

import java.time.Duration;

/**
 * Something the engine reports while it works: a phase, a build step starting or ending, a line a step printed,
 * progress of a transfer, a warning. Events never carry credentials.
 */
public sealed interface EngineEvent {

    /** A phase of the work, such as connecting, sending the context or pushing a tag. */
    record Phase(String message) implements EngineEvent {}

    /** A build step (a Dockerfile instruction, or a BuildKit vertex) started. */
    record StepStarted(String step) implements EngineEvent {}

    /** A build step ended; {@code cached} when the daemon reused an earlier result. */
    record StepCompleted(String step, boolean cached, Duration took) implements EngineEvent {}

    /** One line that a build step printed. */
    record StepOutput(String step, String line) implements EngineEvent {}

    /** Progress of a transfer: {@code total} is 0 when unknown. */
    record Progress(String subject, String status, long current, long total) implements EngineEvent {}

    /** Something the user should know that does not stop the work. */
    record Warning(String message) implements EngineEvent {}
}
