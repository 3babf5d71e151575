package io.jenkins.plugins.containerbuild;

import hudson.Extension;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Descriptor.FormException;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import hudson.util.FormValidation;
import io.jenkins.plugins.containerbuild.engine.BuilderKind;
import java.io.IOException;
import java.io.Serial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.lang.model.SourceVersion;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.structs.describable.CustomDescribableModel;
import org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable;
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
 * {@code containerBuild}: builds an image from a context directory in the workspace, on the daemon that
 * {@code daemon:} names (the agent's socket by default), and returns a {@link BuiltImage}.
 */
public final class ContainerBuildStep extends Step {

    static final String FUNCTION_NAME = "containerBuild";

    private String context = ".";
    private String dockerfile;
    private List<String> tags = List.of();
    private List<NameValue> buildArgs = List.of();
    private String target;
    private List<NameValue> labels = List.of();
    private boolean pull;
    private boolean noCache;
    private List<String> cacheFrom = List.of();
    private String builder = BuilderKind.BUILDKIT.toString();
    private String network;
    private String platform;
    private DaemonSpec daemon;
    private BuildInputs inputs = BuildInputs.NONE;

    @DataBoundConstructor
    public ContainerBuildStep() {}

    /** The build context, relative to the workspace; {@code .} by default. */
    public String getContext() {
        return context;
    }

    @DataBoundSetter
    public void setContext(String context) {
        String c = Util.fixEmptyAndTrim(context);
        this.context = c == null ? "." : c;
    }

    /** The Dockerfile relative to the workspace (as {@code docker build -f}); null means {@code Dockerfile} in the context. */
    public String getDockerfile() {
        return dockerfile;
    }

    @DataBoundSetter
    public void setDockerfile(String dockerfile) {
        this.dockerfile = Util.fixEmptyAndTrim(dockerfile);
    }

    public List<String> getTags() {
        return tags;
    }

    @DataBoundSetter
    public void setTags(List<String> tags) {
        this.tags = StepArguments.strings(tags);
    }

    /**
     * Values of {@code ARG} instructions, as entries that structs can describe; a Jenkinsfile writes a map
     * ({@code buildArgs: [VERSION: '1.4']}), which the descriptor turns into these ({@link NameValue}).
     */
    public List<NameValue> getBuildArgs() {
        return buildArgs;
    }

    @DataBoundSetter
    public void setBuildArgs(List<NameValue> buildArgs) {
        this.buildArgs = StepArguments.entries(buildArgs);
    }

    /** The build arguments by name, in their order. */
    Map<String, String> buildArgMap() {
        return NameValue.mapOf(buildArgs);
    }

    /** Sets the build arguments from a map (keys and values as strings). */
    void setBuildArgMap(Map<?, ?> buildArgs) {
        this.buildArgs = NameValue.listOf(buildArgs);
    }

    /** The stage to stop at; null for the last one. */
    public String getTarget() {
        return target;
    }

    @DataBoundSetter
    public void setTarget(String target) {
        this.target = Util.fixEmptyAndTrim(target);
    }

    /** Labels to put on the image, as entries; a Jenkinsfile writes a map, as for {@link #getBuildArgs()}. */
    public List<NameValue> getLabels() {
        return labels;
    }

    @DataBoundSetter
    public void setLabels(List<NameValue> labels) {
        this.labels = StepArguments.entries(labels);
    }

    /** The labels by name, in their order. */
    Map<String, String> labelMap() {
        return NameValue.mapOf(labels);
    }

    /** Sets the labels from a map (keys and values as strings). */
    void setLabelMap(Map<?, ?> labels) {
        this.labels = NameValue.listOf(labels);
    }

    public boolean isPull() {
        return pull;
    }

    @DataBoundSetter
    public void setPull(boolean pull) {
        this.pull = pull;
    }

    public boolean isNoCache() {
        return noCache;
    }

    @DataBoundSetter
    public void setNoCache(boolean noCache) {
        this.noCache = noCache;
    }

    public List<String> getCacheFrom() {
        return cacheFrom;
    }

    @DataBoundSetter
    public void setCacheFrom(List<String> cacheFrom) {
        this.cacheFrom = StepArguments.strings(cacheFrom);
    }

    /** {@code buildkit} (the default) or {@code classic}. */
    public String getBuilder() {
        return builder;
    }

    @DataBoundSetter
    public void setBuilder(String builder) {
        String b = Util.fixEmptyAndTrim(builder);
        this.builder = b == null ? BuilderKind.BUILDKIT.toString()
                : InvalidValueException.normalisedOrAsGiven(b, v -> BuilderKind.parse(v).toString());
    }

    /** The network mode of {@code RUN} steps; null for the daemon's default. */
    public String getNetwork() {
        return network;
    }

    @DataBoundSetter
    public void setNetwork(String network) {
        this.network = Util.fixEmptyAndTrim(network);
    }

    /** The platform to build for, such as {@code linux/amd64} or {@code linux/arm64}; null for the daemon's own. */
    public String getPlatform() {
        return platform;
    }

    @DataBoundSetter
    public void setPlatform(String platform) {
        String p = Util.fixEmptyAndTrim(platform);
        // the engine's rule (os[/arch[/variant]], one platform), so that a bad value fails when the step is read
        this.platform = p == null ? null : BuildRequest.builder(java.nio.file.Path.of(".")).platform(p).build()
                .platform();
    }

    /** The daemon to build on; null for the global default (the agent's socket unless configured). */
    public DaemonSpec getDaemon() {
        return daemon;
    }

    /** {@link GlobalDefaultDaemon} (the forms' "global default" choice) is stored as null: the same thing. */
    @DataBoundSetter
    public void setDaemon(DaemonSpec daemon) {
        this.daemon = GlobalDefaultDaemon.orNull(daemon);
    }

    /** Registries to pull base images and cache sources from with credentials. */
    public List<PullRegistry> getRegistries() {
        return inputs.registries();
    }

    @DataBoundSetter
    public void setRegistries(List<PullRegistry> registries) {
        this.inputs = inputs.withRegistries(registries);
    }

    /** Build secrets ({@code RUN --mount=type=secret,id=ID}) from "Secret text" or "Secret file" credentials. */
    public List<SecretMount> getSecrets() {
        return inputs.secrets();
    }

    @DataBoundSetter
    public void setSecrets(List<SecretMount> secrets) {
        this.inputs = inputs.withSecrets(secrets);
    }

    /** SSH forwarding ({@code RUN --mount=type=ssh}) from "SSH Username with private key" credentials. */
    public List<SshMount> getSsh() {
        return inputs.ssh();
    }

    @DataBoundSetter
    public void setSsh(List<SshMount> ssh) {
        this.inputs = inputs.withSsh(ssh);
    }

    /** A directory relative to the workspace that receives the build's files (BuildKit's local export); null for none. */
    public String getOutput() {
        return inputs.output();
    }

    @DataBoundSetter
    public void setOutput(String output) {
        this.inputs = inputs.withOutput(output);
    }

    BuildInputs inputs() {
        return inputs;
    }

    void setInputs(BuildInputs inputs) {
        this.inputs = inputs == null ? BuildInputs.NONE : inputs;
    }

    /**
     * Finds what is wrong with the arguments, which the setters keep as given ({@link InvalidValueException}): the
     * tags and cache sources, the builder, the daemon, the registries, secrets and SSH keys.
     */
    void check() throws InvalidValueException {
        InvalidValueException.require("tags", () -> StepArguments.checkReferences(tags));
        InvalidValueException.require("cacheFrom", () -> StepArguments.checkReferences(cacheFrom));
        InvalidValueException.require("builder", () -> BuilderKind.parse(builder));
        StepArguments.checkEntries("buildArgs", buildArgs);
        StepArguments.checkEntries("labels", labels);
        if (daemon != null) {
            daemon.check();
        }
        inputs.check();
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

    /** Resolves the daemon on the controller, then builds on the agent, off the Pipeline thread. */
    static final class Execution extends SynchronousNonBlockingStepExecution<BuiltImage> {

        @Serial
        private static final long serialVersionUID = 1L;

        private final transient ContainerBuildStep step;

        Execution(StepContext context, ContainerBuildStep step) {
            super(context);
            this.step = step;
        }

        @Override
        protected BuiltImage run() throws Exception {
            StepContext context = getContext();
            Run<?, ?> run = context.get(Run.class);
            FilePath workspace = context.get(FilePath.class);
            TaskListener listener = context.get(TaskListener.class);
            return perform(step, run, workspace, listener, context.get(BlockDaemon.class));
        }
    }

    /**
     * What the step does, also for the freestyle builder: resolves the daemon on the controller (the step's own, else
     * that of the {@code withContainerDaemon} block it runs in, null outside one, else the global default), builds on
     * the agent, records the image on the build page.
     */
    static BuiltImage perform(ContainerBuildStep step, Run<?, ?> run, FilePath workspace, TaskListener listener,
                              BlockDaemon block) throws IOException, InterruptedException {
        try {
            step.check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        ResolvedDaemon daemon = BlockDaemon.forStep(step.getDaemon(), block, run);
        ResolvedInputs inputs = step.inputs().resolve(run);
        BuildOutcome outcome = AgentReplies.bounded(workspace.act(new BuildImageCallable(step, daemon, inputs, listener)));
        if (outcome.image().getImageId() != null) { // an output without tags makes files, no image
            ContainerBuildAction.of(run).built(outcome);
        }
        return outcome.image();
    }

    @Extension
    @Symbol(FUNCTION_NAME)
    public static final class DescriptorImpl extends StepDescriptor implements CustomDescribableModel {

        @Override
        public String getFunctionName() {
            return FUNCTION_NAME;
        }

        @Override
        public String getDisplayName() {
            return Messages.ContainerBuildStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, FilePath.class, TaskListener.class);
        }

        /**
         * The short forms of a Jenkinsfile: {@code registries: ['internal', [url: ..., credentialsId: ...]]} (a
         * string is the name of a registry of the global configuration), {@code secrets: [ID: 'credentials-id']}
         * and {@code ssh: [ID: 'credentials-id']} (maps). The long forms, lists of {@code [id: ..., credentialsId:
         * ...]} as the Snippet Generator writes them, pass unchanged.
         */
        @Override
        public Map<String, Object> customInstantiate(Map<String, Object> arguments) {
            return shortForms(arguments);
        }

        /** The map arguments back as maps, so the Snippet Generator writes {@code buildArgs: [VERSION: '1.4']}. */
        @Override
        public UninstantiatedDescribable customUninstantiate(UninstantiatedDescribable ud) {
            Map<String, Object> arguments = mapForms(ud.getArguments());
            return arguments == null ? ud : ud.withArguments(arguments);
        }

        /** Binds the form, then the text areas that stand for the list and map arguments; a bad value is a form error. */
        @Override
        public Step newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            ContainerBuildStep step = withTextAreas((ContainerBuildStep) super.newInstance(req, formData),
                    formData::optString);
            try {
                step.check();
            } catch (InvalidValueException e) {
                throw e.toForm();
            }
            return step;
        }

        @POST
        public FormValidation doCheckBuilder(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String b = Util.fixEmptyAndTrim(value);
            return b == null ? FormValidation.ok() : FormSupport.check(() -> BuilderKind.parse(b));
        }

        /** The text a form shows for a list argument (used by config.jelly). */
        public String linesOf(List<String> values) {
            return StepArguments.linesOf(values);
        }

        /** The text a form shows for a map argument (used by config.jelly). */
        public String pairsOf(List<NameValue> values) {
            return StepArguments.pairsOf(values);
        }
    }

    /** The map arguments, which a Jenkinsfile writes as maps and the step holds as {@link NameValue} entries. */
    private static final String[] MAP_ARGUMENTS = {"buildArgs", "labels"};

    /** See {@link DescriptorImpl#customInstantiate}; the input is left as it is (structs hands it over immutable). */
    static Map<String, Object> shortForms(Map<String, Object> arguments) {
        Map<String, Object> out = new LinkedHashMap<>(arguments);
        for (String key : MAP_ARGUMENTS) {
            if (out.get(key) instanceof Map<?, ?> map) {
                List<Object> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    entries.add(Map.of("name", String.valueOf(e.getKey()),
                            "value", e.getValue() == null ? "" : String.valueOf(e.getValue())));
                }
                out.put(key, entries);
            }
        }
        Object registries = out.get("registries");
        if (registries instanceof CharSequence || registries instanceof Map) {
            registries = List.of(registries);
        }
        if (registries instanceof List<?> list) {
            List<Object> entries = new ArrayList<>();
            for (Object r : list) {
                entries.add(r instanceof CharSequence name ? Map.of("name", name.toString()) : r);
            }
            out.put("registries", entries);
        }
        for (String key : new String[] {"secrets", "ssh"}) {
            if (out.get(key) instanceof Map<?, ?> map) {
                List<Object> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    entries.add(Map.of("id", String.valueOf(e.getKey()),
                            "credentialsId", e.getValue() == null ? "" : String.valueOf(e.getValue())));
                }
                out.put(key, entries);
            }
        }
        return out;
    }

    /**
     * See {@link DescriptorImpl#customUninstantiate}: the entries of each map argument (structs gives them as
     * uninstantiated entries, or maps) as one map, in their order; null when nothing changes. A list that names an
     * entry twice, or an entry without a name, stays a list, so that what is written reads back the same; so does
     * one with a dotted name such as {@code org.opencontainers.image.revision}, which the Snippet Generator would
     * write as an unquoted map key (it quotes only keys that are not Java names), which Groovy does not read as
     * that string.
     */
    static Map<String, Object> mapForms(Map<String, ?> arguments) {
        Map<String, Object> out = null;
        for (String key : MAP_ARGUMENTS) {
            if (!(arguments.get(key) instanceof List<?> list)) {
                continue;
            }
            Map<String, Object> map = new LinkedHashMap<>();
            for (Object entry : list) {
                Map<?, ?> fields = entry instanceof UninstantiatedDescribable u ? u.getArguments()
                        : entry instanceof Map<?, ?> m ? m : null;
                Object name = fields == null ? null : fields.get("name");
                if (!(name instanceof String n) || n.isEmpty() || map.containsKey(n)
                        || (n.indexOf('.') >= 0 && SourceVersion.isName(n))) {
                    map = null;
                    break;
                }
                Object value = fields.get("value");
                map.put(n, value == null ? "" : value);
            }
            if (map != null) {
                if (out == null) {
                    out = new LinkedHashMap<>(arguments);
                }
                out.put(key, map);
            }
        }
        return out;
    }

    /** Sets tags, build arguments, labels and cache sources from the form's text areas. */
    static ContainerBuildStep withTextAreas(ContainerBuildStep step, Function<String, String> form)
            throws FormException {
        StepArguments.fromTextArea(form, "tags", t -> step.setTags(StepArguments.lines(t)));
        StepArguments.fromTextArea(form, "buildArgs", t -> step.setBuildArgMap(StepArguments.pairs(t)));
        StepArguments.fromTextArea(form, "labels", t -> step.setLabelMap(StepArguments.pairs(t)));
        StepArguments.fromTextArea(form, "cacheFrom", t -> step.setCacheFrom(StepArguments.lines(t)));
        return step;
    }
}
