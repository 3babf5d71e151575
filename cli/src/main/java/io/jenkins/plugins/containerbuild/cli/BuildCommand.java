package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.BuildOutput;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.BuildResult;
import io.jenkins.plugins.containerbuild.engine.BuilderKind;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.SecretMasks;
import io.jenkins.plugins.containerbuild.engine.context.BuildContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Map;

/**
 * {@code containerbuild build}: one build on the selected daemon, the result on stdout; with {@code --push}, then a
 * push of its tags through the same connection (as {@code docker buildx build --push}).
 */
final class BuildCommand {

    private BuildCommand() {}

    static int run(Invocation inv) throws UsageException, ContainerEngineException, InterruptedException {
        Options o = inv.options();
        try (StdinContext context = StdinContext.STDIN.equals(o.context) ? StdinContext.read(inv.stdin(), o) : null;
             StdinDockerfile dockerfile = StdinDockerfile.STDIN.equals(o.file)
                     ? StdinDockerfile.read(inv.stdin(), o) : null) {
            return run(inv, new FromStdin(context != null ? context.directory() : null,
                    dockerfile != null ? dockerfile.path() : null));
        }
    }

    /**
     * Where {@code --context -} unpacked the context and {@code --file -} put the Dockerfile read from stdin; each
     * null when not asked for.
     */
    private record FromStdin(Path context, Path dockerfile) {
        static final FromStdin NONE = new FromStdin(null, null);
    }

    private static int run(Invocation inv, FromStdin stdin)
            throws UsageException, ContainerEngineException, InterruptedException {
        Options o = inv.options();
        BuildRequest request = request(inv, stdin);
        BuildResult result;
        Map<String, String> digests = null;
        try {
            // build --push: the logins are read before anything runs, and the push goes through the engine that
            // built (the same daemon, and with --dind the same sidecar)
            List<PushRequest> pushes = o.push ? PushCommand.requests(inv) : List.of();
            DaemonEndpoint endpoint = DaemonSelection.resolve(o, inv.env(), inv.cwd());
            try (ContainerEngine engine = ContainerEngine.connect(endpoint, inv.console())) {
                result = engine.build(request);
                if (o.push) {
                    digests = PushCommand.push(engine, pushes, o.tags);
                }
            }
        } finally {
            request.destroySecrets();
        }
        if (o.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("imageId", result.imageId());
            if (request.output() != null) {
                json.put("output", outputPath(request.output()));
            }
            json.put("tags", result.tags());
            json.put("size", result.size());
            json.put("cachedSteps", result.cachedSteps());
            json.put("durationMs", result.duration().toMillis());
            if (digests != null) {
                json.put("digests", digests);
            }
            inv.out().println(JsonOutput.of(json));
        } else {
            if (request.output() != null) {
                inv.console().error("Exported the result's files to " + outputPath(request.output()));
            }
            if (result.imageId() != null) {
                inv.console().error("Built " + result.imageId() + " (" + result.size() + " bytes, "
                        + result.cachedSteps() + " cached steps)" + (result.tags().isEmpty() ? ""
                        : " as " + String.join(", ", result.tags())));
                inv.out().println(result.imageId());
            }
            if (digests != null) {
                PushCommand.print(inv, digests);
            }
        }
        inv.out().flush();
        return 0;
    }

    /**
     * The config.json logins of the registries the build pulls from: those the Dockerfile names and the
     * {@code --cache-from} images; no other host's.
     */
    private static void pullCredentials(BuildRequest.Builder b, Invocation inv, Path dockerfile)
            throws UsageException, InterruptedException {
        Options o = inv.options();
        List<String> images = new ArrayList<>(PullSources.images(dockerfile, o.buildArgs(inv.env())));
        images.addAll(o.cacheFrom);
        Set<String> hosts = PullSources.hosts(images);
        if (hosts.isEmpty()) {
            return;
        }
        DockerConfig config = DockerConfig.load(inv.env(), o.command);
        for (String host : hosts) {
            Optional<RegistryCredentials> login = config.credentials(host, o.command);
            if (login.isPresent()) {
                RegistryCredentials c = login.get();
                inv.console().addSecret(c.identityToken() != null ? c.identityToken() : c.password());
                b.pullCredentials(host, c);
            }
        }
    }

    /** Masks a build secret in everything printed, as {@link SecretMasks} says; binary values cannot show as text. */
    private static void maskSecret(ConsoleEvents console, byte[] value) {
        String text = SecretMasks.text(value);
        if (text != null) {
            SecretMasks.of(List.of(text)).forEach(console::addSecret);
        }
    }

    private static String outputPath(BuildOutput output) {
        return switch (output) {
            case BuildOutput.Local l -> l.directory().toString();
            case BuildOutput.Tar t -> t.file().toString();
        };
    }

    /** The request, checked before any daemon is contacted: bad tags or names are usage errors. */
    static BuildRequest request(Invocation inv) throws UsageException, InterruptedException {
        return request(inv, FromStdin.NONE);
    }

    private static BuildRequest request(Invocation inv, FromStdin stdin) throws UsageException, InterruptedException {
        Options o = inv.options();
        try {
            Path context = stdin.context() != null ? stdin.context() : inv.cwd().resolve(o.context).normalize();
            BuildRequest.Builder b = BuildRequest.builder(context).dockerfileOption("--file");
            Path dockerfile;
            if (stdin.dockerfile() != null) {
                dockerfile = stdin.dockerfile();
            } else if (o.file != null) {
                // with the context from stdin, --file names a file of that context, as with docker build -f PATH -
                dockerfile = (stdin.context() != null ? stdin.context() : inv.cwd()).resolve(o.file).normalize();
            } else {
                dockerfile = BuildContext.locate(context.resolve("Dockerfile"));
            }
            if (stdin.dockerfile() != null || o.file != null) {
                b.dockerfile(dockerfile);
            }
            for (String tag : o.tags) {
                b.tag(tag);
            }
            for (Map.Entry<String, String> e : o.buildArgs(inv.env()).entrySet()) {
                b.buildArg(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, String> e : o.labels.entrySet()) {
                b.label(e.getKey(), e.getValue());
            }
            for (String ref : o.cacheFrom) {
                b.cacheFrom(ref);
            }
            for (SecretSpec secret : o.secrets) {
                byte[] value = secret.read(inv.env(), inv.cwd(), o.command);
                try {
                    maskSecret(inv.console(), value);
                    b.secret(secret.id(), value);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(SecretSpec.FLAG + ": " + e.getMessage(), o.command, e);
                } finally {
                    java.util.Arrays.fill(value, (byte) 0); // the request holds its own copy
                }
            }
            for (SshSpec ssh : o.ssh) {
                ssh.addTo(b, inv.env(), inv.cwd(), o.command);
            }
            if (o.output != null) {
                b.output(o.output.toOutput(inv.cwd(), o.command));
            }
            pullCredentials(b, inv, dockerfile);
            b.target(o.target).pull(o.pull).noCache(o.noCache).networkMode(o.network).platform(o.platform);
            if (o.builder != null) {
                b.builderKind(BuilderKind.parse(o.builder));
            }
            return b.build();
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("Path '" + e.getInput() + "' is not a valid path: " + e.getReason() + ".",
                    o.command, e);
        } catch (IllegalArgumentException e) { // InvalidReferenceException included
            throw new UsageException(e.getMessage(), o.command, e);
        }
    }
}
