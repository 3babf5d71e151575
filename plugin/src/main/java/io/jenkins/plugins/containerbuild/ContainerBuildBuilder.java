package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.AbstractProject;
import hudson.model.Descriptor.FormException;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.BuilderKind;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jenkins.tasks.SimpleBuildStep;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * The freestyle build step "Build (and push) a container image": the options of {@code containerBuild}, then, when
 * {@code push} is on, those of {@code containerPush} for the tags just built. Text fields may use the build's
 * environment variables ({@code ${BUILD_NUMBER}}); lists are one entry per line. The values are kept as typed and
 * handed, expanded, to the two steps when the build runs, so the steps' checks, defaults and work apply unchanged.
 */
public final class ContainerBuildBuilder extends Builder implements SimpleBuildStep {

    private String context = ".";
    private String dockerfile;
    private String tags;
    private String buildArgs;
    private String target;
    private String labels;
    private boolean pull;
    private boolean noCache;
    private String cacheFrom;
    private String builder;
    private String network;
    private String platform;
    private DaemonSpec daemon;
    private boolean push;
    private String registry;
    private String credentialsId;
    private int retries = 3;
    private boolean removeAfterPush;
    private String timeout;
    /** Null in a job saved before these options existed: read as none. */
    private BuildInputs inputs;

    @DataBoundConstructor
    public ContainerBuildBuilder() {}

    /** The build context, relative to the workspace; {@code .} by default. */
    public String getContext() {
        return context;
    }

    @DataBoundSetter
    public void setContext(String context) {
        String c = Util.fixEmptyAndTrim(context);
        this.context = c == null ? "." : c;
    }

    public String getDockerfile() {
        return dockerfile;
    }

    @DataBoundSetter
    public void setDockerfile(String dockerfile) {
        this.dockerfile = Util.fixEmptyAndTrim(dockerfile);
    }

    /** Image references, one per line. */
    public String getTags() {
        return tags;
    }

    @DataBoundSetter
    public void setTags(String tags) {
        this.tags = Util.fixEmptyAndTrim(tags);
    }

    /** {@code NAME=VALUE}, one per line. */
    public String getBuildArgs() {
        return buildArgs;
    }

    @DataBoundSetter
    public void setBuildArgs(String buildArgs) {
        this.buildArgs = Util.fixEmptyAndTrim(buildArgs);
    }

    public String getTarget() {
        return target;
    }

    @DataBoundSetter
    public void setTarget(String target) {
        this.target = Util.fixEmptyAndTrim(target);
    }

    /** {@code NAME=VALUE}, one per line. */
    public String getLabels() {
        return labels;
    }

    @DataBoundSetter
    public void setLabels(String labels) {
        this.labels = Util.fixEmptyAndTrim(labels);
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

    /** Image references, one per line. */
    public String getCacheFrom() {
        return cacheFrom;
    }

    @DataBoundSetter
    public void setCacheFrom(String cacheFrom) {
        this.cacheFrom = Util.fixEmptyAndTrim(cacheFrom);
    }

    /** {@code buildkit} (the default) or {@code classic}. */
    public String getBuilder() {
        return builder;
    }

    @DataBoundSetter
    public void setBuilder(String builder) {
        this.builder = InvalidValueException.normalisedOrAsGiven(Util.fixEmptyAndTrim(builder),
                b -> BuilderKind.parse(b).toString());
    }

    public String getNetwork() {
        return network;
    }

    @DataBoundSetter
    public void setNetwork(String network) {
        this.network = Util.fixEmptyAndTrim(network);
    }

    /** The platform to build for, such as {@code linux/arm64} (may use variables); null for the daemon's own. */
    public String getPlatform() {
        return platform;
    }

    @DataBoundSetter
    public void setPlatform(String platform) {
        this.platform = Util.fixEmptyAndTrim(platform);
    }

    /** Null for the global default daemon. */
    public DaemonSpec getDaemon() {
        return daemon;
    }

    /** {@link GlobalDefaultDaemon} (the forms' "global default" choice) is stored as null: the same thing. */
    @DataBoundSetter
    public void setDaemon(DaemonSpec daemon) {
        this.daemon = GlobalDefaultDaemon.orNull(daemon);
    }

    /** Push the built tags after the build. */
    public boolean isPush() {
        return push;
    }

    @DataBoundSetter
    public void setPush(boolean push) {
        this.push = push;
    }

    public String getRegistry() {
        return registry;
    }

    @DataBoundSetter
    public void setRegistry(String registry) {
        this.registry = Util.fixEmptyAndTrim(registry);
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    /** Whether the pushed tags are removed from the daemon after a successful push (see {@link ContainerPushStep}). */
    public boolean isRemoveAfterPush() {
        return removeAfterPush;
    }

    @DataBoundSetter
    public void setRemoveAfterPush(boolean removeAfterPush) {
        this.removeAfterPush = removeAfterPush;
    }

    public int getRetries() {
        return retries;
    }

    @DataBoundSetter
    public void setRetries(int retries) {
        this.retries = retries;
    }

    /** The push timeout ({@code 90s}, {@code 20m}, {@code 2h}, may use variables); null for the default. */
    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmptyAndTrim(timeout);
    }

    /**
     * Finds what is wrong with the values the setters kept as given ({@link InvalidValueException}), when the job
     * is saved: the builder, the retries, the timeout (unless it uses variables: then when the build runs), the
     * daemon and the registries, secrets and SSH keys. The rest is checked when the build runs, variables expanded.
     */
    void check() throws InvalidValueException {
        if (builder != null) {
            InvalidValueException.require("builder", () -> BuilderKind.parse(builder));
        }
        InvalidValueException.require("retries", () -> ContainerPushStep.checkRetries(retries));
        if (timeout != null && !timeout.contains("$")) {
            InvalidValueException.require("timeout", () -> ContainerPushStep.parseTimeout(timeout));
        }
        if (daemon != null) {
            daemon.check();
        }
        inputs().check();
    }

    /** The options the build takes from Jenkins, as the Pipeline step has them. */
    private BuildInputs inputs() {
        return inputs == null ? BuildInputs.NONE : inputs;
    }

    /** Registries to pull base images and cache sources from with credentials. */
    public List<PullRegistry> getRegistries() {
        return inputs().registries();
    }

    @DataBoundSetter
    public void setRegistries(List<PullRegistry> registries) {
        this.inputs = inputs().withRegistries(registries);
    }

    /** Build secrets ({@code RUN --mount=type=secret,id=ID}) from "Secret text" or "Secret file" credentials. */
    public List<SecretMount> getSecrets() {
        return inputs().secrets();
    }

    @DataBoundSetter
    public void setSecrets(List<SecretMount> secrets) {
        this.inputs = inputs().withSecrets(secrets);
    }

    /** SSH forwarding ({@code RUN --mount=type=ssh}) from "SSH Username with private key" credentials. */
    public List<SshMount> getSsh() {
        return inputs().ssh();
    }

    @DataBoundSetter
    public void setSsh(List<SshMount> ssh) {
        this.inputs = inputs().withSsh(ssh);
    }

    /** A directory relative to the workspace for the build's files (may use variables); null for none. */
    public String getOutput() {
        return inputs().output();
    }

    @DataBoundSetter
    public void setOutput(String output) {
        this.inputs = inputs().withOutput(output);
    }

    @Override
    public void perform(Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws InterruptedException, IOException {
        String block = env.get(WithContainerDaemonStep.BLOCK_VARIABLE);
        if (block != null && daemon == null) {
            // a metastep cannot read the block's context (BlockDaemon), only its environment: refuse rather than
            // build on the global default daemon while the block's daemon waits
            throw new AbortException(Messages.ContainerBuildBuilder_InsideBlock(block));
        }
        ContainerBuildStep build = buildStep(env);
        ContainerPushStep pushStep = push ? pushStep(env) : null;
        BuiltImage image = ContainerBuildStep.perform(build, run, workspace, listener, null);
        if (pushStep != null) {
            pushStep.setImage(image);
            ContainerPushStep.perform(pushStep, run, workspace, listener, null);
        }
    }

    /**
     * The build step with this configuration, variables expanded. Text areas are split into lines first and each
     * line is expanded on its own, so a variable (a build parameter) can never add a line: a value that holds a
     * line break once expanded is refused, in every field.
     */
    ContainerBuildStep buildStep(EnvVars env) throws AbortException {
        try {
            ContainerBuildStep s = new ContainerBuildStep();
            s.setContext(expand(env, context, "context"));
            s.setDockerfile(expand(env, dockerfile, "dockerfile"));
            s.setTags(lines(env, tags, "tags"));
            s.setBuildArgMap(pairs(env, buildArgs, "buildArgs"));
            s.setTarget(expand(env, target, "target"));
            s.setLabelMap(pairs(env, labels, "labels"));
            s.setPull(pull);
            s.setNoCache(noCache);
            s.setCacheFrom(lines(env, cacheFrom, "cacheFrom"));
            s.setBuilder(builder);
            s.setNetwork(expand(env, network, "network"));
            s.setPlatform(expand(env, platform, "platform"));
            s.setDaemon(daemon);
            s.setInputs(inputs().withOutput(expand(env, inputs().output(), "output")));
            return s;
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /** The push step with this configuration, variables expanded; the image is set after the build. */
    ContainerPushStep pushStep(EnvVars env) throws AbortException {
        try {
            ContainerPushStep s = new ContainerPushStep();
            s.setRegistry(expand(env, registry, "registry"));
            s.setCredentialsId(credentialsId);
            s.setRetries(retries);
            s.setRemoveAfterPush(removeAfterPush);
            s.setTimeout(expand(env, timeout, "timeout"));
            s.setDaemon(daemon);
            // before the build, so that a bad push setting fails before anything is built
            s.check();
            return s;
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
    }

    /** One line expanded; a line break in the result is refused, naming the field and the line as written. */
    static String expand(EnvVars env, String value, String field) {
        if (value == null) {
            return null;
        }
        String expanded = env.expand(value);
        if (expanded.indexOf('\n') >= 0 || expanded.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(Messages.ContainerBuildBuilder_LineBreakInValue(field, value.strip()));
        }
        return expanded;
    }

    private static List<String> lines(EnvVars env, String text, String field) {
        List<String> out = new ArrayList<>();
        for (String line : StepArguments.lines(text)) {
            String expanded = expand(env, line, field).strip();
            if (!expanded.isEmpty()) {
                out.add(expanded);
            }
        }
        return out;
    }

    /** {@code NAME=VALUE} lines, split as written; then the name and the value are expanded each on its own. */
    private static Map<String, String> pairs(EnvVars env, String text, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : StepArguments.pairs(text).entrySet()) {
            String name = expand(env, e.getKey(), field).strip();
            if (name.isEmpty()) {
                throw new IllegalArgumentException(Messages.ContainerBuildBuilder_BadPair(e.getKey() + "=" + e.getValue()));
            }
            out.put(name, expand(env, e.getValue(), field));
        }
        return out;
    }

    @Extension
    @Symbol("containerBuildAndPush")
    public static final class DescriptorImpl extends BuildStepDescriptor<Builder> {

        @Override
        public String getDisplayName() {
            return Messages.ContainerBuildBuilder_DisplayName();
        }

        @Override
        @SuppressWarnings("rawtypes")
        public boolean isApplicable(Class<? extends AbstractProject> jobType) {
            return true;
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

        /** Each line must be an image reference; lines with variables are checked when the build runs. */
        @POST
        public FormValidation doCheckTags(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return checkReferences(value);
        }

        @POST
        public FormValidation doCheckCacheFrom(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return checkReferences(value);
        }

        @POST
        public FormValidation doCheckRegistry(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return value != null && value.contains("$") ? FormValidation.ok() : ContainerPushStep.checkRegistry(value);
        }

        @POST
        public FormValidation doCheckTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return value != null && value.contains("$") ? FormValidation.ok() : ContainerPushStep.checkTimeout(value);
        }

        /** A bad value is a form error on its field, not an error page (see {@link InvalidValueException}). */
        @Override
        public Builder newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            ContainerBuildBuilder builder = (ContainerBuildBuilder) super.newInstance(req, formData);
            try {
                builder.check();
            } catch (InvalidValueException e) {
                throw e.toForm();
            }
            return builder;
        }

        @POST
        public FormValidation doCheckRetries(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return ContainerPushStep.checkRetriesText(value);
        }

        /** {@code default}, {@code none} or {@code host}; a value with variables is checked when the build runs. */
        @POST
        public FormValidation doCheckNetwork(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String n = Util.fixEmptyAndTrim(value);
            return n == null || n.contains("$") ? FormValidation.ok()
                    : FormSupport.check(() -> BuildRequest.builder(java.nio.file.Path.of(".")).networkMode(n));
        }

        /** {@code os[/arch[/variant]]}; a value with variables is checked when the build runs. */
        @POST
        public FormValidation doCheckPlatform(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String p = Util.fixEmptyAndTrim(value);
            return p == null || p.contains("$") ? FormValidation.ok()
                    : FormSupport.check(() -> BuildRequest.builder(java.nio.file.Path.of(".")).platform(p));
        }

        @POST
        public FormValidation doCheckBuilder(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String b = Util.fixEmptyAndTrim(value);
            return b == null ? FormValidation.ok() : FormSupport.check(() -> BuilderKind.parse(b));
        }

        private static FormValidation checkReferences(String value) {
            if (value == null) {
                return FormValidation.ok();
            }
            return FormSupport.check(() -> StepArguments.lines(value).stream().filter(l -> !l.contains("$"))
                    .forEach(ImageReference::parse));
        }
    }
}
