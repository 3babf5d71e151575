package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.remoting.Channel;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.SharedSidecar;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The DinD sidecars that this JVM keeps for {@code withContainerDaemon} blocks, by the key each block chose
 * ({@link SidecarRef#key()}). It lives where the sidecars run, on the agent (the static state of the plugin's classes
 * there, which a new connection to the controller loads anew), and owns them: a block's start
 * ({@link StartSidecarCallable}) puts one in, the steps inside attach to it, and the block's end
 * ({@link ReleaseSidecarCallable}) takes it out and removes it.
 *
 * <p>When the connection to the controller that asked for a sidecar closes (Jenkins restarts, or the agent lost it),
 * the sidecar is let go, not removed: its container keeps running so that the block, resumed, finds it again
 * ({@link #adopt}, from the container id, labels and owner the block saved, and the client identity kept in the
 * container). A sidecar whose block never comes back goes with the agent's process: when that process ends, the next
 * sidecar started on the same host daemon removes it, because it carries the process's owner labels. A kept sidecar is
 * removed when the JVM shuts down.
 *
 * <p>A release that comes before its sidecar was kept (the block was stopped while the agent started it) is
 * remembered, and the sidecar is removed as soon as its start ends instead of being kept.
 */
final class KeptSidecars {

    /** A kept sidecar and the channel through which the controller asked for it (null when run locally). */
    private record Kept(SharedSidecar sidecar, Channel channel) {}

    /** How many early releases are remembered; older ones are for starts that ended long ago. */
    private static final int MAX_EARLY_RELEASES = 1000;

    private static final Map<String, Kept> KEPT = new HashMap<>(); // guarded by KeptSidecars.class
    private static final Set<String> RELEASED_EARLY = new LinkedHashSet<>(); // guarded by KeptSidecars.class
    private static final List<Channel> WATCHED = new ArrayList<>(); // guarded by KeptSidecars.class
    private static Thread shutdownHook; // guarded by KeptSidecars.class; set while anything is kept

    private KeptSidecars() {}

    /**
     * Keeps {@code sidecar} under {@code key} until {@link #release}; lets it go when {@code channel} closes. When the
     * release came first, removes the sidecar instead and says so.
     */
    static void keep(String key, SharedSidecar sidecar, VirtualChannel channel) throws AbortException {
        boolean releasedEarly;
        synchronized (KeptSidecars.class) {
            releasedEarly = RELEASED_EARLY.remove(key);
            if (!releasedEarly) {
                put(key, sidecar, channel);
            }
        }
        if (releasedEarly) {
            sidecar.close();
            throw new AbortException(Messages.WithContainerDaemonStep_StoppedWhileStarting());
        }
    }

    /** Whether the sidecar {@code key} was released before it started: then it must not be started at all. */
    static boolean releasedEarly(String key) {
        synchronized (KeptSidecars.class) {
            return RELEASED_EARLY.contains(key);
        }
    }

    private static void put(String key, SharedSidecar sidecar, VirtualChannel channel) {
        Channel c = channel instanceof Channel ch ? ch : null;
        KEPT.put(key, new Kept(sidecar, c));
        if (shutdownHook == null) {
            shutdownHook = new Thread(KeptSidecars::releaseAll, "containerbuild-kept-sidecars");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        if (c != null && !WATCHED.contains(c)) {
            WATCHED.add(c);
            c.addListener(new Channel.Listener() {
                @Override
                public void onClosed(Channel closed, IOException cause) {
                    letGoOf(closed);
                }
            });
        }
    }

    /**
     * An engine on the block's sidecar, for one step; closing it leaves the sidecar running. A sidecar this JVM does
     * not keep (the connection to the controller was lost since) is {@link #adopt found again} first; a clear failure
     * when it cannot be.
     */
    static ContainerEngine attach(SidecarRef ref, BuildLog log, VirtualChannel channel)
            throws AbortException, ContainerEngineException {
        Kept kept;
        synchronized (KeptSidecars.class) {
            kept = KEPT.get(ref.key());
        }
        if (kept == null) {
            if (!ref.adoptable()) {
                throw new AbortException(Messages.WithContainerDaemonStep_SidecarGone());
            }
            adopt(ref, log, channel);
            synchronized (KeptSidecars.class) {
                kept = KEPT.get(ref.key());
            }
            if (kept == null) { // released meanwhile
                throw new AbortException(Messages.WithContainerDaemonStep_SidecarGone());
            }
        }
        return kept.sidecar().attach(log);
    }

    /**
     * Finds the sidecar {@code ref} names again, when this JVM does not keep it (any more): the container must still
     * run, carry the block's labels and owner and have been started by this process ({@link SharedSidecar#adopt}).
     * Then it is kept as if this JVM had started it. Nothing to do when it is kept already.
     *
     * @return whether it had to be found again (false: it was kept)
     * @throws AbortException saying why it cannot be used
     */
    static boolean adopt(SidecarRef ref, BuildLog log, VirtualChannel channel) throws AbortException {
        synchronized (KeptSidecars.class) {
            if (KEPT.containsKey(ref.key())) {
                return false;
            }
        }
        if (!ref.adoptable()) {
            throw new AbortException(Messages.WithContainerDaemonStep_NotRecorded());
        }
        SharedSidecar found;
        try {
            found = SharedSidecar.adopt(new DaemonEndpoint.UnixSocket(Path.of(ref.hostSocket())), ref.containerId(),
                    ref.label(), ref.owner(), Timeouts.defaults(), log);
        } catch (ContainerEngineException e) {
            AbortException a = new AbortException(Messages.WithContainerDaemonStep_Lost(e.getMessage()));
            a.initCause(e);
            throw a;
        }
        boolean first;
        synchronized (KeptSidecars.class) {
            first = !KEPT.containsKey(ref.key()) && !RELEASED_EARLY.remove(ref.key());
            if (first) {
                put(ref.key(), found, channel);
            }
        }
        if (!first) {
            found.letGo(); // another step found it at the same moment, or the block ended meanwhile
        }
        return true;
    }

    /**
     * Takes the sidecar {@code key} out and removes it; false when this JVM does not keep it, which is then
     * remembered, so that a start still under way removes it instead of keeping it.
     */
    static boolean release(String key) {
        Kept kept;
        synchronized (KeptSidecars.class) {
            kept = KEPT.remove(key);
            if (kept == null) {
                RELEASED_EARLY.add(key);
                for (Iterator<String> i = RELEASED_EARLY.iterator(); RELEASED_EARLY.size() > MAX_EARLY_RELEASES; ) {
                    i.next();
                    i.remove();
                }
            }
            unhookIfEmpty();
        }
        if (kept == null) {
            return false;
        }
        kept.sidecar().close();
        return true;
    }

    /** Whether this JVM keeps the sidecar {@code key}. */
    static boolean keeps(String key) {
        synchronized (KeptSidecars.class) {
            return KEPT.containsKey(key);
        }
    }

    /**
     * Lets go of the sidecars asked for through {@code channel}, which has closed: their connections close, their
     * containers keep running for the blocks to find again when Jenkins comes back.
     */
    static void letGoOf(Channel channel) {
        List<SharedSidecar> gone = new ArrayList<>();
        synchronized (KeptSidecars.class) {
            WATCHED.remove(channel);
            KEPT.values().removeIf(k -> {
                if (k.channel() == channel) {
                    gone.add(k.sidecar());
                    return true;
                }
                return false;
            });
            unhookIfEmpty();
        }
        gone.forEach(SharedSidecar::letGo);
    }

    /** The shutdown hook: removes every kept sidecar. */
    private static void releaseAll() {
        List<SharedSidecar> all;
        synchronized (KeptSidecars.class) {
            all = KEPT.values().stream().map(Kept::sidecar).toList();
            KEPT.clear();
        }
        all.forEach(SharedSidecar::close);
    }

    private static void unhookIfEmpty() {
        if (KEPT.isEmpty() && shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs anyway and finds nothing
            }
            shutdownHook = null;
        }
    }
}
