package io.jenkins.plugins.containerbuild.engine;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonProduct;
import io.jenkins.plugins.containerbuild.engine.daemon.DindSidecar;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The builder service: builds, tags, pushes, inspects and removes images on one daemon. Open it with
 * {@link #connect}, close it when done; for a DinD endpoint, closing removes the sidecar. Every long call can be
 * aborted by interrupting the calling thread, which stops the work on the daemon and throws
 * {@link InterruptedException}.
 */
public final class ContainerEngine implements AutoCloseable {

    private final DaemonConnection daemon;
    private final DindSidecar sidecar;
    /** The host connection of a sidecar this engine started and removes on close; null otherwise. */
    private final DaemonConnection sidecarHost;
    private final EventSink events;

    private ContainerEngine(DaemonConnection daemon, DindSidecar sidecar, DaemonConnection sidecarHost,
                            EventSink events) {
        this.daemon = daemon;
        this.sidecar = sidecar;
        this.sidecarHost = sidecarHost;
        this.events = events;
    }

    /**
     * An engine on a sidecar that a {@link SharedSidecar} keeps: a connection of its own to the sidecar's daemon,
     * which {@link #close()} ends, leaving the sidecar running.
     */
    static ContainerEngine attach(DindSidecar sidecar, Timeouts timeouts, EventSink events)
            throws ContainerEngineException {
        Objects.requireNonNull(events, "events");
        DaemonConnection daemon;
        try {
            daemon = DaemonConnection.open(sidecar.daemon().endpoint(), timeouts);
        } catch (DaemonUnreachableException e) {
            throw sidecar.stoppedDuring("build", e).<DaemonUnreachableException>map(d -> d).orElse(e);
        }
        events.accept(new EngineEvent.Phase("Connected to DinD sidecar " + sidecar.containerId().substring(0, 12)
                + " on " + daemon.endpoint() + " (API " + daemon.apiVersion() + ")"));
        return new ContainerEngine(daemon, sidecar, null, events);
    }

    public static ContainerEngine connect(DaemonEndpoint endpoint, EventSink events)
            throws ContainerEngineException, InterruptedException {
        return connect(endpoint, Timeouts.defaults(), events);
    }

    /** Connects to the daemon, starting a DinD sidecar first when the endpoint asks for one. */
    public static ContainerEngine connect(DaemonEndpoint endpoint, Timeouts timeouts, EventSink events)
            throws ContainerEngineException, InterruptedException {
        Objects.requireNonNull(events, "events");
        if (endpoint instanceof DaemonEndpoint.Dind dind) {
            DaemonConnection host = DaemonConnection.open(dind.host(), timeouts);
            try {
                refusePodmanHost(host, dind);
                DindSidecar sidecar = DindSidecar.start(host, dind.options(), timeouts, events);
                return new ContainerEngine(sidecar.daemon(), sidecar, host, events);
            } catch (ContainerEngineException | InterruptedException | RuntimeException e) {
                host.close();
                throw e;
            }
        }
        DaemonConnection daemon = DaemonConnection.open(endpoint, timeouts);
        events.accept(new EngineEvent.Phase("Connected to " + endpoint + " ("
                + (daemon.product().podman() ? daemon.product() + "; " : "") + "API " + daemon.apiVersion() + ")"));
        return new ContainerEngine(daemon, null, null, events);
    }

    /** A DinD sidecar runs on a Docker Engine: refuses a Podman service as its host. */
    static void refusePodmanHost(DaemonConnection host, DaemonEndpoint.Dind dind) throws ContainerEngineException {
        if (host.product().podman()) {
            throw new ContainerEngineException("A DinD sidecar is started on a Docker Engine, and "
                    + dind.host() + " is " + host.product() + ": build on Podman itself, or name a Docker"
                    + " daemon for the sidecar.");
        }
    }

    /**
     * Builds the image and returns its id, tags, size, layers, duration and cached step count; with an output, also
     * exports the result's files there, and without tags then returns no image id. A daemon exports to one place per
     * build, so an output with tags is two builds: the image, then the export, whose steps all come from the first
     * build's cache.
     */
    public BuildResult build(BuildRequest request) throws ContainerEngineException, InterruptedException {
        if (request.output() != null && !request.tags().isEmpty()) {
            long start = System.nanoTime();
            BuildResult image = buildOnce(request.imageOnly());
            events.accept(new EngineEvent.Phase("Exporting the build's files to " + describe(request.output())));
            BuildResult exported = buildOnce(request.exportAfterImage());
            return new BuildResult(image.imageId(), image.tags(), image.size(), image.layers(),
                    Duration.ofNanos(System.nanoTime() - start), image.cachedSteps(), exported.output());
        }
        return buildOnce(request);
    }

    private static String describe(BuildOutput output) {
        return switch (output) {
            case BuildOutput.Local l -> "the directory " + l.directory();
            case BuildOutput.Tar t -> "the tar file " + t.file();
        };
    }

    private BuildResult buildOnce(BuildRequest request) throws ContainerEngineException, InterruptedException {
        long start = System.nanoTime();
        BuildImageStep.Built built;
        try {
            built = new BuildImageStep(daemon, request, events).call();
        } catch (DaemonUnreachableException e) {
            throw sidecarDied("build", e);
        }
        if (built.imageId() == null) { // exported to the request's output: there is no image
            return new BuildResult(null, List.of(), 0, List.of(), Duration.ofNanos(System.nanoTime() - start),
                    built.cachedSteps(), request.output());
        }
        return new BuildResult(built.imageId(), request.tags(), imageSize(built.imageId()),
                history(built.imageId(), request.buildArgs()), Duration.ofNanos(System.nanoTime() - start),
                built.cachedSteps(), null);
    }

    /** Pushes every tag of the request, in order, and returns the digests. */
    public PushResult push(PushRequest request) throws ContainerEngineException, InterruptedException {
        List<PushResult.PushedTag> pushed = new ArrayList<>();
        for (String tag : request.tags()) {
            try {
                pushed.add(new PushImageStep(daemon, tag, request, events).call());
            } catch (DaemonUnreachableException e) {
                throw sidecarDied("push", e);
            }
        }
        return new PushResult(pushed);
    }

    /** Gives an image already on the daemon another name. */
    public void tag(String image, String reference) throws ContainerEngineException {
        ImageReference ref = ImageReference.parse(reference);
        if (ref.digest() != null) {
            throw new IllegalArgumentException("Tag '" + reference + "' carries a digest: give name[:tag].");
        }
        try {
            daemon.docker().tagImageCmd(image, ref.nameWithoutTag(), ref.tagOrLatest()).exec();
        } catch (NotFoundException e) {
            throw new ContainerEngineException("Image " + image + " is not on " + daemon.endpoint()
                    + ": build it or pull it there before tagging.", e);
        } catch (DockerException e) {
            throw failure(e);
        } catch (RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
    }

    /** The image's id, size and creation time, or empty when the daemon does not have it. */
    public Optional<ImageInfo> inspect(String image) throws ContainerEngineException {
        try {
            InspectImageResponse r = daemon.docker().inspectImageCmd(image).exec();
            return Optional.of(new ImageInfo(r.getId(), r.getRepoTags() != null ? r.getRepoTags() : List.of(),
                    r.getSize() != null ? r.getSize() : 0, r.getCreated()));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
    }

    /** Removes an image (or one of its tags); a missing image is not an error. */
    public void remove(String image) throws ContainerEngineException {
        try {
            daemon.docker().removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // nothing to remove
        } catch (RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
    }

    /**
     * Removes a tag as {@code docker rmi TAG} does, never forcing: the image goes too when no other tag holds it and
     * nothing uses it (its untagged parent layers with it, never a tagged base image); an image a container uses keeps
     * the tag as well, and an image other images are built on keeps its layers. The result says which happened.
     */
    public TagRemoval untag(String tag) throws ContainerEngineException {
        ImageReference ref = ImageReference.parse(tag);
        if (ref.digest() != null) {
            throw new IllegalArgumentException("Tag '" + tag + "' carries a digest: give name[:tag].");
        }
        Optional<ImageInfo> before = inspect(tag);
        if (before.isEmpty()) {
            return new TagRemoval(tag, null, TagRemoval.Outcome.MISSING, List.of(), null);
        }
        String id = before.get().id();
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.DELETE)
                .path(daemon.path("/images/" + tag))
                .build();
        try (DockerHttpClient.Response r = daemon.call(req)) {
            if (r.getStatusCode() == 404) {
                return new TagRemoval(tag, id, TagRemoval.Outcome.MISSING, List.of(), null);
            }
            if (r.getStatusCode() == 409) {
                return new TagRemoval(tag, id, TagRemoval.Outcome.IN_USE, List.of(),
                        DaemonReplies.errorMessage(r).strip());
            }
            if (r.getStatusCode() != 200) {
                throw new ContainerEngineException("The daemon " + daemon.endpoint() + " did not remove " + tag
                        + " (HTTP " + r.getStatusCode() + ": " + DaemonReplies.errorMessage(r)
                        + "): check the daemon's log.");
            }
            for (JsonNode entry : Json.read(r.getBody())) {
                if (id.equals(entry.path("Deleted").asText(null))) {
                    return new TagRemoval(tag, id, TagRemoval.Outcome.DELETED, List.of(), null);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
        Optional<ImageInfo> after = inspect(id);
        if (after.isEmpty()) {
            return new TagRemoval(tag, id, TagRemoval.Outcome.DELETED, List.of(), null);
        }
        List<String> others = after.get().repoTags().stream().filter(t -> !t.equals("<none>:<none>")).toList();
        return new TagRemoval(tag, id, others.isEmpty() ? TagRemoval.Outcome.KEPT_AS_PARENT
                : TagRemoval.Outcome.UNTAGGED, others, null);
    }

    /** Docker Engine or Podman, and its version; for DinD, the sidecar's daemon. */
    public DaemonProduct daemonProduct() {
        return daemon.product();
    }

    /** The daemon this engine talks to; for DinD, the sidecar's. */
    public DaemonEndpoint endpoint() {
        return daemon.endpoint();
    }

    /**
     * Ends the connection; for a DinD endpoint, removes the sidecar container (its named cache volume stays). An
     * engine attached to a {@link SharedSidecar} leaves the sidecar running.
     */
    @Override
    public void close() {
        if (sidecarHost != null) {
            try {
                sidecar.close();
                events.accept(new EngineEvent.Phase("DinD sidecar " + sidecar.containerId().substring(0, 12) + " removed"));
            } finally {
                sidecarHost.close();
            }
        } else {
            daemon.close();
        }
    }

    /** For a DinD engine whose daemon went away: the sidecar's death, when that is what happened. */
    private DaemonUnreachableException sidecarDied(String what, DaemonUnreachableException e) {
        if (sidecar == null) {
            return e;
        }
        return sidecar.stoppedDuring(what, e).<DaemonUnreachableException>map(d -> d).orElse(e);
    }

    /**
     * The size of an image just built, read from the raw inspect reply: the docker-java command would load and
     * wire up its whole model (hundreds of classes) for one number, which a short-lived CLI pays on every build.
     */
    private long imageSize(String imageId) throws ContainerEngineException {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(daemon.path("/images/" + imageId + "/json"))
                .build();
        try (DockerHttpClient.Response r = daemon.call(req)) {
            if (r.getStatusCode() != 200) {
                throw new ContainerEngineException("The daemon " + daemon.endpoint() + " could not inspect the image "
                        + imageId + " it just built (HTTP " + r.getStatusCode() + ": " + DaemonReplies.errorMessage(r)
                        + "): check the daemon's log.");
            }
            return Json.read(r.getBody()).path("Size").asLong(0);
        } catch (IOException | RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
    }

    /** The image's layers, oldest first, with the build args' values masked in what created them. */
    private List<BuildResult.Layer> history(String imageId, java.util.Map<String, String> buildArgs)
            throws ContainerEngineException {
        try {
            DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                    .method(DockerHttpClient.Request.Method.GET)
                    .path(daemon.path("/images/" + imageId + "/history"))
                    .build();
            try (DockerHttpClient.Response r = daemon.call(req)) {
                List<BuildResult.Layer> layers = new ArrayList<>();
                for (JsonNode entry : Json.read(r.getBody())) { // newest first
                    layers.add(0, new BuildResult.Layer(LayerHistory.mask(entry.path("CreatedBy").asText(""), buildArgs),
                            entry.path("Size").asLong()));
                }
                return layers;
            }
        } catch (IOException | RuntimeException e) {
            throw DaemonConnection.classify(e, daemon.endpoint());
        }
    }

    private ContainerEngineException failure(RuntimeException e) {
        return new ContainerEngineException("The daemon " + daemon.endpoint() + " refused the request ("
                + e.getMessage() + "): check the image name and the daemon's log.", e);
    }

    /** What the daemon knows about an image. */
    public record ImageInfo(String id, List<String> repoTags, long size, String created) {}
}
