package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.BuildResult;
import io.jenkins.plugins.containerbuild.engine.BuilderKind;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import java.io.File;
import java.io.IOException;
import java.io.Serial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import jenkins.MasterToSlaveFileCallable;

/**
 * The agent side of {@code containerBuild}: resolves the context and Dockerfile inside the workspace, connects to
 * the daemon and builds, writing progress to the build log while it happens; sends back the image and its layers.
 * Interrupting the thread that runs it (what stopping the step does, through remoting) aborts the build on the
 * daemon. The pull credentials, secrets and SSH keys that the controller looked up travel only inside this object
 * ({@link ResolvedInputs}), are masked in the log and overwritten when the build has ended.
 */
final class BuildImageCallable extends MasterToSlaveFileCallable<BuildOutcome> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final ResolvedDaemon daemon;
    private final String context;
    private final String dockerfile;
    private final ArrayList<String> tags;
    private final LinkedHashMap<String, String> buildArgs;
    private final String target;
    private final LinkedHashMap<String, String> labels;
    private final boolean pull;
    private final boolean noCache;
    private final ArrayList<String> cacheFrom;
    private final String builder;
    private final String network;
    private final String platform;
    private final ResolvedInputs inputs;
    private final TaskListener listener;

    BuildImageCallable(ContainerBuildStep step, ResolvedDaemon daemon, ResolvedInputs inputs, TaskListener listener) {
        this.daemon = daemon;
        this.inputs = inputs;
        this.context = step.getContext();
        this.dockerfile = step.getDockerfile();
        this.tags = new ArrayList<>(step.getTags());
        this.buildArgs = new LinkedHashMap<>(step.buildArgMap());
        this.target = step.getTarget();
        this.labels = new LinkedHashMap<>(step.labelMap());
        this.pull = step.isPull();
        this.noCache = step.isNoCache();
        this.cacheFrom = new ArrayList<>(step.getCacheFrom());
        this.builder = step.getBuilder();
        this.network = step.getNetwork();
        this.platform = step.getPlatform();
        this.listener = listener;
    }

    @Override
    public BuildOutcome invoke(File workspace, VirtualChannel channel) throws IOException, InterruptedException {
        try {
            return build(workspace.toPath(), channel);
        } finally {
            inputs.destroy();
        }
    }

    private BuildOutcome build(Path root, VirtualChannel channel) throws IOException, InterruptedException {
        Path contextDir = WorkspacePaths.resolve(root, context, Messages.Workspace_BuildContext());
        if (!Files.isDirectory(contextDir)) {
            throw new AbortException(Messages.Workspace_ContextMissing(contextDir));
        }
        List<String> secrets = new ArrayList<>(daemon.secrets());
        secrets.addAll(inputs.masks());
        BuildLog log = new BuildLog(listener.getLogger(), ContainerBuildStep.FUNCTION_NAME, secrets);
        BuildRequest request;
        try {
            BuildRequest.Builder b = BuildRequest.builder(contextDir)
                    .target(target)
                    .pull(pull)
                    .noCache(noCache)
                    .networkMode(network)
                    .platform(platform)
                    .builderKind(BuilderKind.parse(builder));
            // the default context/Dockerfile too: a symbolic link there must not lead out of the workspace
            b.dockerfile(WorkspacePaths.resolve(root,
                    dockerfile != null ? dockerfile : root.relativize(contextDir.resolve("Dockerfile")).toString(),
                    Messages.Workspace_Dockerfile()));
            tags.forEach(b::tag);
            buildArgs.forEach(b::buildArg);
            labels.forEach(b::label);
            cacheFrom.forEach(b::cacheFrom);
            inputs.applyTo(b, root);
            request = b.build();
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        try (ContainerEngine engine = Engines.connect(daemon, log, channel)) {
            BuildResult result = engine.build(request);
            if (result.imageId() != null) {
                log.line(Messages.BuildLog_Built(result.imageId(), result.size()));
            }
            if (result.output() instanceof io.jenkins.plugins.containerbuild.engine.BuildOutput.Local local) {
                log.line(Messages.BuildLog_Exported(root.relativize(local.directory())));
            }
            List<ImageLayer> layers = new ArrayList<>();
            for (BuildResult.Layer l : result.layers()) {
                layers.add(new ImageLayer(l.createdBy(), l.size()));
            }
            return new BuildOutcome(new BuiltImage(result.imageId(), result.tags(), result.size()), layers);
        } catch (ContainerEngineException e) {
            throw Engines.abort(e);
        } finally {
            request.destroySecrets();
        }
    }
}
