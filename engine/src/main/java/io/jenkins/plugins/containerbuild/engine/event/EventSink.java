package io.jenkins.plugins.containerbuild.engine.event;

/**
 * Receives the engine's events as they happen, on the thread doing the work. Implementations should be quick:
 * printing a line is fine, blocking is not.
 */
@FunctionalInterface
public interface EventSink {

    void accept(EngineEvent event);

    /** A sink that drops everything. */
    static EventSink discard() {
        return event -> {};
    }
}
