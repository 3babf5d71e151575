package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.remoting.Channel;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.SharedSidecar;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The DinD sidecars that this JVM keeps for {@code withContainerDaemon} blocks, by label. It lives where the
 * sidecars run, on the agent (the static state of the plugin's classes there), and owns them: a block's start
 * ({@link StartSidecarCallable}) puts one in, the steps inside attach to it, and the block's end
 * ({@link ReleaseSidecarCallable}) takes it out and removes it. Nothing here waits for the controller to clean up:
 * when the connection to the controller that asked for a sidecar closes (the controller stopped, or the agent lost
 * it), that connection's sidecars are removed; when the JVM shuts down, all are; and when the JVM is killed, the next
 * engine started on the same host daemon removes them, because they carry this process's owner labels.
 */
final class KeptSidecars {

    /** A kept sidecar and the channel through which the controller asked for it (null when run locally). */
    private record Kept(SharedSidecar sidecar, Channel channel) {}

    private static final Map<String, Kept> KEPT = new HashMap<>(); // guarded by KeptSidecars.class
    private static final List<Channel> WATCHED = new ArrayList<>(); // guarded by KeptSidecars.class
    private static Thread shutdownHook; // guarded by KeptSidecars.class; set while anything is kept

    private KeptSidecars() {}

    /** Keeps {@code sidecar} until {@link #release}, or until {@code channel} closes; returns its label. */
    static String keep(SharedSidecar sidecar, VirtualChannel channel) {
        Channel c = channel instanceof Channel ch ? ch : null;
        synchronized (KeptSidecars.class) {
            KEPT.put(sidecar.label(), new Kept(sidecar, c));
            if (shutdownHook == null) {
                shutdownHook = new Thread(KeptSidecars::releaseAll, "containerbuild-kept-sidecars");
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
            if (c != null && !WATCHED.contains(c)) {
                WATCHED.add(c);
                c.addListener(new Channel.Listener() {
                    @Override
                    public void onClosed(Channel closed, IOException cause) {
                        releaseChannel(closed);
                    }
                });
            }
        }
        return sidecar.label();
    }

    /**
     * An engine on the kept sidecar {@code label}, for one step; closing it leaves the sidecar running. A clear
     * failure when this JVM does not keep it.
     */
    static ContainerEngine attach(String label, BuildLog log) throws AbortException, ContainerEngineException {
        Kept kept;
        synchronized (KeptSidecars.class) {
            kept = KEPT.get(label);
        }
        if (kept == null) {
            throw new AbortException(Messages.WithContainerDaemonStep_SidecarGone());
        }
        return kept.sidecar().attach(log);
    }

    /** Takes the sidecar {@code label} out and removes it; false when this JVM does not keep it. */
    static boolean release(String label) {
        Kept kept;
        synchronized (KeptSidecars.class) {
            kept = KEPT.remove(label);
            unhookIfEmpty();
        }
        if (kept == null) {
            return false;
        }
        kept.sidecar().close();
        return true;
    }

    /** Whether this JVM keeps the sidecar {@code label}. */
    static boolean keeps(String label) {
        synchronized (KeptSidecars.class) {
            return KEPT.containsKey(label);
        }
    }

    /** Removes the sidecars asked for through {@code channel}, which has closed. */
    static void releaseChannel(Channel channel) {
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
        gone.forEach(SharedSidecar::close);
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
