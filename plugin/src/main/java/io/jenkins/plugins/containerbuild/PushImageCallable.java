package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.PushResult;
import io.jenkins.plugins.containerbuild.engine.RegistryTimeoutException;
import io.jenkins.plugins.containerbuild.engine.TagRemoval;
import java.io.File;
import java.io.IOException;
import java.io.Serial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jenkins.MasterToSlaveFileCallable;

/**
 * The agent side of {@code containerPush}: gives images their registry names where needed, then pushes every tag
 * and returns the digests by tag. The registry password travels only inside this object and goes to the daemon
 * only in the push request's auth header.
 */
final class PushImageCallable extends MasterToSlaveFileCallable<LinkedHashMap<String, String>> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final ResolvedDaemon daemon;
    private final ArrayList<String> tags;
    private final LinkedHashMap<String, String> retag;
    private final RegistryLogin login;
    private final int retries;
    private final Duration timeout;
    private final boolean removeAfterPush;
    private final TaskListener listener;

    /**
     * @param tags   what to push, in order
     * @param retag  new name to existing name, for tags that get the registry's name first
     * @param login  null when the registry needs none
     * @param timeout how long the push of one tag may take; null for the engine's default
     * @param removeAfterPush whether the pushed tags (and the names {@code retag} made them from) are removed after a
     *                        successful push
     */
    PushImageCallable(ResolvedDaemon daemon, List<String> tags, Map<String, String> retag, RegistryLogin login,
                      int retries, Duration timeout, boolean removeAfterPush, TaskListener listener) {
        this.daemon = daemon;
        this.tags = new ArrayList<>(tags);
        this.retag = new LinkedHashMap<>(retag);
        this.login = login;
        this.retries = retries;
        this.timeout = timeout;
        this.removeAfterPush = removeAfterPush;
        this.listener = listener;
    }

    @Override
    public LinkedHashMap<String, String> invoke(File workspace, VirtualChannel channel)
            throws IOException, InterruptedException {
        List<String> secrets = new ArrayList<>(daemon.secrets());
        if (login != null) {
            secrets.add(login.password());
        }
        BuildLog log = new BuildLog(listener.getLogger(), ContainerPushStep.FUNCTION_NAME, secrets);
        PushRequest request;
        try {
            PushRequest.Builder b = PushRequest.builder().retries(retries);
            tags.forEach(b::tag);
            if (login != null) {
                b.credentials(login.toEngine());
            }
            if (timeout != null) {
                b.timeout(timeout);
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        try (ContainerEngine engine = Engines.connect(daemon, log, channel)) {
            for (Map.Entry<String, String> e : retag.entrySet()) {
                engine.tag(e.getValue(), e.getKey());
                log.line(Messages.BuildLog_Tagged(e.getValue(), e.getKey()));
            }
            PushResult result = engine.push(request);
            LinkedHashMap<String, String> digests = new LinkedHashMap<>(result.digests());
            digests.forEach((tag, digest) -> log.line(Messages.BuildLog_Pushed(tag, digest)));
            if (removeAfterPush) {
                removePushed(engine, log);
            }
            return digests;
        } catch (RegistryTimeoutException e) {
            // the engine's message says what happened; this one adds which setting of the step to raise
            String limit = formatTimeout(request.timeout());
            AbortException a = new AbortException(Messages.ContainerPushStep_TimedOut(e.getMessage(),
                    timeout == null ? Messages.ContainerPushStep_DefaultTimeout(limit) : limit));
            a.initCause(e);
            throw a;
        } catch (ContainerEngineException e) {
            throw Engines.abort(e);
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /**
     * Removes the pushed tags, then the names they were tagged from, never forcing: an image goes with its last tag
     * unless a container uses it; one that other images are built on keeps its layers. A tag that cannot be removed is
     * noted in the log and left: the push has succeeded, and the clean-up does not fail it.
     */
    private void removePushed(ContainerEngine engine, BuildLog log) throws InterruptedException {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(tags);
        names.addAll(retag.values());
        for (String tag : names) {
            if (Thread.interrupted()) {
                throw new InterruptedException("aborted while the pushed tags were removed");
            }
            try {
                TagRemoval r = engine.untag(tag);
                String id = r.imageId() == null ? "" : r.imageId();
                log.line(switch (r.outcome()) {
                    case DELETED -> Messages.BuildLog_RemovedWithImage(tag, id);
                    case UNTAGGED -> Messages.BuildLog_Removed(tag, id, String.join(", ", r.otherTags()));
                    case KEPT_AS_PARENT -> Messages.BuildLog_KeptAsParent(tag, id);
                    case IN_USE -> Messages.BuildLog_KeptInUse(tag, r.reason());
                    case MISSING -> Messages.BuildLog_AlreadyGone(tag);
                });
            } catch (ContainerEngineException | IllegalArgumentException e) {
                log.line(Messages.BuildLog_NotRemoved(tag, e.getMessage()));
            }
        }
    }

    /**
     * A timeout as the step takes it: {@code 90s}, {@code 20m}, {@code 2h} (the largest whole unit). Here, not in
     * the step, because it runs on the agent, which should not load the step's class.
     */
    static String formatTimeout(Duration timeout) {
        long s = timeout.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
