package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindSidecar;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.util.Objects;

/**
 * A DinD sidecar kept for several engines, one after the other or at once (a block of Pipeline steps): started by
 * {@link #start}, used through {@link #attach}, whose engines leave it running when they close, and removed by
 * {@link #close()}. Like every sidecar it carries its owner process's labels, so that if this process dies without
 * closing it the next engine started on the same host daemon removes it. Its client TLS identity stays in this
 * object, in memory.
 */
public final class SharedSidecar implements AutoCloseable {

    private final DaemonConnection host;
    private final DindSidecar sidecar;
    private final Timeouts timeouts;
    private final EventSink events;
    private boolean closed; // guarded by this

    private SharedSidecar(DaemonConnection host, DindSidecar sidecar, Timeouts timeouts, EventSink events) {
        this.host = host;
        this.sidecar = sidecar;
        this.timeouts = timeouts;
        this.events = events;
    }

    /**
     * Starts the sidecar that {@code endpoint} describes, as {@link ContainerEngine#connect} would (the same checks,
     * the same refusal of a cache volume in use); {@code events} hears the start and the removal.
     */
    public static SharedSidecar start(DaemonEndpoint.Dind endpoint, Timeouts timeouts, EventSink events)
            throws ContainerEngineException, InterruptedException {
        Objects.requireNonNull(events, "events");
        DaemonConnection host = DaemonConnection.open(endpoint.host(), timeouts);
        try {
            ContainerEngine.refusePodmanHost(host, endpoint);
            return new SharedSidecar(host, DindSidecar.start(host, endpoint.options(), timeouts, events), timeouts,
                    events);
        } catch (ContainerEngineException | InterruptedException | RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /**
     * The sidecar {@code containerId} that this process started on {@code host} as a shared sidecar and lost track of
     * (the process that asked for it went away and came back), checked and reconnected by
     * {@link DindSidecar#adopt}; {@code events} hears its removal.
     */
    public static SharedSidecar adopt(DaemonEndpoint host, String containerId, String label, String owner,
                                      Timeouts timeouts, EventSink events) throws ContainerEngineException {
        Objects.requireNonNull(events, "events");
        DaemonConnection c = DaemonConnection.open(host, timeouts);
        try {
            return new SharedSidecar(c, DindSidecar.adopt(c, containerId, label, owner, timeouts), timeouts, events);
        } catch (ContainerEngineException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Lets go of the sidecar without removing it: closes the connections and leaves the container running, for a
     * later {@link #adopt}. Engines attached since fail; {@link #close()} then does nothing.
     */
    public void letGo() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            sidecar.detach();
        } finally {
            host.close();
        }
    }

    /**
     * An engine on the sidecar's daemon, with a connection of its own; closing it leaves the sidecar running.
     * Engines may be attached at once, from several threads.
     */
    public ContainerEngine attach(EventSink engineEvents) throws ContainerEngineException {
        synchronized (this) {
            if (closed) {
                throw new DaemonUnreachableException("The DinD sidecar " + shortId() + " was already removed: run"
                        + " the build again.");
            }
        }
        return ContainerEngine.attach(sidecar, timeouts, engineEvents);
    }

    /** The container's id. */
    public String containerId() {
        return sidecar.containerId();
    }

    /** The value of the label that names this sidecar alone (see {@link #removeLeftover}). */
    public String label() {
        return sidecar.label();
    }

    /**
     * Removes the sidecar labelled {@code label} from the daemon {@code host} names, when a process lost the
     * {@link SharedSidecar} that held it and it is still there. Best effort: returns whether the daemon could be
     * asked.
     */
    public static boolean removeLeftover(DaemonEndpoint host, String label) {
        try (DaemonConnection c = DaemonConnection.open(host, Timeouts.defaults())) {
            DindSidecar.removeByLabel(c, label);
            return true;
        } catch (ContainerEngineException | RuntimeException e) {
            return false;
        }
    }

    /** Removes the container (its named cache volume stays); engines still attached lose their daemon. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            sidecar.close();
            try {
                events.accept(new EngineEvent.Phase("DinD sidecar " + shortId() + " removed"));
            } catch (RuntimeException e) {
                // whoever listened has gone (a build log whose connection ended): the sidecar is removed all the same
            }
        } finally {
            host.close();
        }
    }

    private String shortId() {
        return sidecar.containerId().substring(0, 12);
    }

    @Override
    public String toString() {
        return "DinD sidecar " + shortId() + " from " + sidecar.image();
    }
}
