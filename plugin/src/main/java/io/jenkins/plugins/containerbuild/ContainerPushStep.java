package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Descriptor.FormException;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.io.IOException;
import java.io.Serial;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code containerPush}: pushes the tags of a {@link BuiltImage} and/or further tags, optionally under a
 * registry's name and with "Username with password" credentials, and returns the pushed digests by tag.
 */
public final class ContainerPushStep extends Step {

    static final String FUNCTION_NAME = "containerPush";

    /** What may name a registry of the global configuration (a name without dots or a port is checked at run time). */
    private static final String REGISTRY_NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";

    /** A push timeout as the CLI's {@code --timeout} takes it: a positive whole number and s, m or h. */
    private static final Pattern TIMEOUT = Pattern.compile("([0-9]{1,9})([smh])");

    private BuiltImage image;
    private List<String> tags = List.of();
    private String registry;
    private String credentialsId;
    private int retries = 3;
    private String timeout;
    private boolean removeAfterPush;
    private DaemonSpec daemon;

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
        this.tags = StepArguments.strings(tags);
    }

    /**
     * {@code https://HOST[:PORT]}, {@code HOST[:PORT]} or the name of a registry of the global configuration; tags
     * without a registry get this one's name.
     */
    public String getRegistry() {
        return registry;
    }

    @DataBoundSetter
    public void setRegistry(String registry) {
        this.registry = Util.fixEmptyAndTrim(registry);
    }

    /**
     * The id of "Username with password" credentials for the registry; none for an open registry, or to use the
     * credentials of the registry named in the global configuration.
     */
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
        this.retries = retries;
    }

    /** From 0 to 20; IllegalArgumentException otherwise. */
    static int checkRetries(int retries) {
        if (retries < 0 || retries > 20) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadRetries(retries));
        }
        return retries;
    }

    /**
     * How long the push of one tag may take, retries included, as {@code 90s}, {@code 20m} or {@code 2h}; null for
     * the engine's default (30 minutes), so the Snippet Generator leaves it out.
     */
    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmptyAndTrim(timeout);
    }

    /** {@code 90s}, {@code 20m}, {@code 2h} as a duration; IllegalArgumentException naming the field otherwise. */
    static Duration parseTimeout(String value) {
        Matcher m = TIMEOUT.matcher(value == null ? "" : value.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadTimeout(value));
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(PushRequest.MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadTimeout(value));
        }
        return d;
    }

    /**
     * Whether the pushed tags (and the names they were tagged from for {@code registry:}) are removed from the daemon
     * after a successful push, and the image with them when no other tag holds it and nothing uses it.
     */
    public boolean isRemoveAfterPush() {
        return removeAfterPush;
    }

    @DataBoundSetter
    public void setRemoveAfterPush(boolean removeAfterPush) {
        this.removeAfterPush = removeAfterPush;
    }

    /** The daemon to push from; null for the global default (the agent's socket unless configured). */
    public DaemonSpec getDaemon() {
        return daemon;
    }

    /** {@link GlobalDefaultDaemon} (the forms' "global default" choice) is stored as null: the same thing. */
    @DataBoundSetter
    public void setDaemon(DaemonSpec daemon) {
        this.daemon = GlobalDefaultDaemon.orNull(daemon);
    }

    /**
     * Finds what is wrong with the arguments, which the setters keep as given ({@link InvalidValueException}): the
     * tags, the registry, the retries, the timeout and the daemon.
     */
    void check() throws InvalidValueException {
        InvalidValueException.require("tags", () -> StepArguments.checkReferences(tags));
        if (registry != null && !registry.matches(REGISTRY_NAME)) {
            InvalidValueException.require("registry", () -> registryHost(registry));
        }
        InvalidValueException.require("retries", () -> checkRetries(retries));
        if (timeout != null) {
            InvalidValueException.require("timeout", () -> parseTimeout(timeout));
        }
        if (daemon != null) {
            daemon.check();
        }
    }

    /** A bad argument fails here, as one line ({@code ERROR: ...}), before anything runs. */
    @Override
    public StepExecution start(StepContext context) throws Exception {
        try {
            check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
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
        return plan(registry, credentialsId != null);
    }

    /**
     * @param registry        the registry's address (a configured name already resolved), or null
     * @param withCredentials whether credentials go with the push: then, without {@code registry}, they belong to
     *                        the registry of the first tag, and a tag on any other host is refused
     */
    Plan plan(String registry, boolean withCredentials) throws AbortException {
        Set<String> wanted = new LinkedHashSet<>();
        if (image != null) {
            wanted.addAll(image.getTags());
        }
        wanted.addAll(tags);
        if (wanted.isEmpty()) {
            throw new AbortException(Messages.ContainerPushStep_NothingToPush());
        }
        String host;
        try {
            host = registry == null ? null : registryHost(registry);
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        if (host == null && withCredentials) {
            String first = registryOf(wanted.iterator().next());
            for (String tag : wanted) {
                if (!registryOf(tag).equals(first)) {
                    throw new AbortException(Messages.ContainerPushStep_CredentialsForOtherRegistry(tag,
                            registryOf(tag), first));
                }
            }
            return new Plan(List.copyOf(wanted), Map.of());
        }
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

    /** The registry host of a tag as Docker resolves it ({@code docker.io} when it names none), without case. */
    private static String registryOf(String tag) {
        String host = ImageReference.parse(tag).registryHost().toLowerCase(Locale.ROOT);
        return host.equals("index.docker.io") ? "docker.io" : host;
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
            return perform(step, run, workspace, listener, context.get(BlockDaemon.class));
        }
    }

    /**
     * What the step does, also for the freestyle builder: resolves a configured registry name, the daemon (as
     * {@link ContainerBuildStep#perform} does; {@code block} is null outside a {@code withContainerDaemon} block) and
     * the credentials on the controller, pushes on the agent, records the digests on the build page.
     */
    static Map<String, String> perform(ContainerPushStep step, Run<?, ?> run, FilePath workspace,
                                       TaskListener listener, BlockDaemon block)
            throws IOException, InterruptedException {
        try {
            step.check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        String address = step.getRegistry();
        String credentialsId = step.getCredentialsId();
        if (address != null) {
            NamedRegistry named = ContainerBuildConfiguration.get().registry(address);
            if (named != null) {
                address = named.getUrl();
                credentialsId = credentialsId != null ? credentialsId : named.getCredentialsId();
            }
        }
        Plan plan = step.plan(address, credentialsId != null);
        Duration timeout;
        try {
            timeout = step.getTimeout() == null ? null : parseTimeout(step.getTimeout());
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        ResolvedDaemon daemon = BlockDaemon.forStep(step.getDaemon(), block, run);
        RegistryLogin login = credentialsId == null ? null : CredentialsLookup.registryLogin(credentialsId, run);
        LinkedHashMap<String, String> digests = AgentReplies.bounded(workspace.act(new PushImageCallable(daemon,
                plan.push(), plan.retag(), login, step.getRetries(), timeout, step.isRemoveAfterPush(), listener)),
                plan.push());
        ContainerBuildAction.of(run).pushed(step.getImage(), digests);
        return digests;
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

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.registryCredentials(item, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.REGISTRY, false);
        }

        @POST
        public FormValidation doCheckRegistry(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return checkRegistry(value);
        }

        @POST
        public FormValidation doCheckTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return checkTimeout(value);
        }

        /** Binds the form, then the text area that stands for the tags; a bad value is a form error on its field. */
        @Override
        public Step newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            ContainerPushStep step = withTextAreas((ContainerPushStep) super.newInstance(req, formData),
                    formData::optString);
            try {
                step.check();
            } catch (InvalidValueException e) {
                throw e.toForm();
            }
            return step;
        }

        @POST
        public FormValidation doCheckRetries(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return checkRetriesText(value);
        }

        /** The text a form shows for a list argument (used by config.jelly). */
        public String linesOf(List<String> values) {
            return StepArguments.linesOf(values);
        }
    }

    /** Sets the tags from the form's text area. */
    static ContainerPushStep withTextAreas(ContainerPushStep step, Function<String, String> form)
            throws FormException {
        StepArguments.fromTextArea(form, "tags", t -> step.setTags(StepArguments.lines(t)));
        return step;
    }

    /** A form's retries: empty (the default) or a whole number from 0 to 20. */
    static FormValidation checkRetriesText(String value) {
        String r = Util.fixEmptyAndTrim(value);
        if (r == null) {
            return FormValidation.ok();
        }
        return FormSupport.check(() -> {
            try {
                checkRetries(Integer.parseInt(r));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(Messages.ContainerPushStep_BadRetriesText(r), e);
            }
        });
    }

    /** Empty (the default) or a duration. */
    static FormValidation checkTimeout(String value) {
        String t = Util.fixEmptyAndTrim(value);
        return t == null ? FormValidation.ok() : FormSupport.check(() -> parseTimeout(t));
    }

    /** A registry address, or a name that the global configuration must know. */
    static FormValidation checkRegistry(String value) {
        String r = Util.fixEmptyAndTrim(value);
        if (r == null) {
            return FormValidation.ok();
        }
        if (r.matches(REGISTRY_NAME) && ContainerBuildConfiguration.get().registry(r) != null) {
            return FormValidation.ok();
        }
        return FormSupport.check(() -> registryHost(r));
    }
}
