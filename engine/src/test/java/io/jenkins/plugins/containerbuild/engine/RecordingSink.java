package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Keeps every event, and can run an action when a matching event arrives (for abort tests). */
final class RecordingSink implements EventSink {

    final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private volatile Predicate<EngineEvent> trigger;
    private volatile Runnable action;

    @Override
    public void accept(EngineEvent event) {
        events.add(event);
        Predicate<EngineEvent> t = trigger;
        if (t != null && t.test(event)) {
            trigger = null;
            action.run();
        }
    }

    void when(Predicate<EngineEvent> trigger, Runnable action) {
        this.action = action;
        this.trigger = trigger;
    }

    /** Everything the events say, as text, for "no password anywhere" checks. */
    String allText() {
        StringBuilder b = new StringBuilder();
        for (EngineEvent e : events) {
            b.append(e).append('\n');
        }
        return b.toString();
    }
}
