package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.io.Serial;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code containerPush}: pushes the tags of a {@link BuiltImage} and/or further tags, optionally under a
 * registry's name and with "Username with password" credentials, and returns the pushed digests by tag.
 */
public final class ContainerPushStep extends Step {

    static final String FUNCTION_NAME = "containerPush";

    private BuiltImage image;
    private List<String> tags = List.of();
    private String registry;
    private String credentialsId;
    private int retries = 3;
    private DaemonSpec daemon = new DoodDaemon();

    @DataBoundConstructor
    public ContainerPushStep() {}

    /** What {@code containerBuild} returned; its tags are pushed. */
    public BuiltImage getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(BuiltImage image) {
        this.image = image;
    }

    /** Further tags to push (already on the daemon). */
    public List<String> getTags() {
        return tags;
    }

    @DataBoundSetter
    public void setTags(List<String> tags) {
        this.tags = StepArguments.references(tags);
    }

    /** {@code https://HOST[:PORT]} or {@code HOST[:PORT]}; tags without a registry get this one's name. */
    public String getRegistry() {
        return registry;
    }

    @DataBoundSetter
    public void setRegistry(String registry) {
        String r = Util.fixEmptyAndTrim(registry);
        if (r != null) {
            registryHost(r);
        }
        this.registry = r;
    }

    /** The id of "Username with password" credentials for the registry; none for an open registry. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    /** How often a transient failure is retried, 0 to 20; 3 by default. */
    public int getRetries() {
        return retries;
    }

    @DataBoundSetter
    public void setRetries(int retries) {
        if (retries < 0 || retries > 20) {
            throw new IllegalArgumentException("retries is " + retries + ": use a number from 0 to 20.");
        }
        this.retries = retries;
    }

    public DaemonSpec getDaemon() {
        return daemon;
    }

    @DataBoundSetter
    public void setDaemon(DaemonSpec daemon) {
        this.daemon = daemon != null ? daemon : new DoodDaemon();
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new Execution(context, this);
    }

    /** {@code host[:port]} of a registry written as a URL or as a bare host. */
    static String registryHost(String registry) {
        String r = registry.contains("://") ? registry : "https://" + registry;
        URI u;
        try {
            u = URI.create(r);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadRegistry(registry), e);
        }
        String path = u.getPath();
        if (u.getHost() == null || !(path == null || path.isEmpty() || path.equals("/")) || u.getQuery() != null
                || u.getUserInfo() != null || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()))) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadRegistry(registry));
        }
        return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
    }

    /** The tags to push, and which of them are new names (given the registry's name) for an existing tag. */
    record Plan(List<String> push, Map<String, String> retag) {}

    Plan plan() throws AbortException {
        Set<String> wanted = new LinkedHashSet<>();
        if (image != null) {
            wanted.addAll(image.getTags());
        }
        wanted.addAll(tags);
        if (wanted.isEmpty()) {
            throw new AbortException(Messages.ContainerPushStep_NothingToPush());
        }
        String host = registry == null ? null : registryHost(registry);
        Set<String> push = new LinkedHashSet<>();
        Map<String, String> retag = new LinkedHashMap<>();
        for (String tag : wanted) {
            String domain = ImageReference.parse(tag).domain();
            if (host == null || host.equals(domain)) {
                push.add(tag);
            } else if (domain == null) {
                String named = host + "/" + tag;
                retag.put(named, tag);
                push.add(named);
            } else {
                throw new AbortException(Messages.ContainerPushStep_OtherRegistry(tag, host));
            }
        }
        return new Plan(List.copyOf(push), retag);
    }

    /** Resolves daemon and credentials on the controller, then pushes on the agent, off the Pipeline thread. */
    static final class Execution extends SynchronousNonBlockingStepExecution<Map<String, String>> {

        @Serial
        private static final long serialVersionUID = 1L;

        private final transient ContainerPushStep step;

        Execution(StepContext context, ContainerPushStep step) {
            super(context);
            this.step = step;
        }

        @Override
        protected Map<String, String> run() throws Exception {
            StepContext context = getContext();
            Run<?, ?> run = context.get(Run.class);
            FilePath workspace = context.get(FilePath.class);
            TaskListener listener = context.get(TaskListener.class);
            Plan plan = step.plan();
            ResolvedDaemon daemon = step.getDaemon().resolve(run);
            RegistryLogin login = step.getCredentialsId() == null ? null
                    : CredentialsLookup.registryLogin(step.getCredentialsId(), run);
            return workspace.act(new PushImageCallable(daemon, plan.push(), plan.retag(), login, step.getRetries(),
                    listener));
        }
    }

    @Extension
    @Symbol(FUNCTION_NAME)
    public static final class DescriptorImpl extends StepDescriptor {

        @Override
        public String getFunctionName() {
            return FUNCTION_NAME;
        }

        @Override
        public String getDisplayName() {
            return Messages.ContainerPushStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, FilePath.class, TaskListener.class);
        }
    }
}
