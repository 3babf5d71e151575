package io.jenkins.plugins.containerbuild.engine.daemon;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.DindSidecarDiedException;
import io.jenkins.plugins.containerbuild.engine.DindStartException;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Docker daemon in a container on a host daemon, listening on a loopback port of the host network. Started by
 * {@link #start}, ready when its daemon answers, removed by {@link #close()} on success, failure and abort. Its
 * containers and volumes carry the labels {@link #OWNER_LABEL} and {@link #ROLE_LABEL}, so leftovers can be found.
 */
public final class DindSidecar implements AutoCloseable {

    public static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";
    public static final String ROLE_LABEL = "io.jenkins.containerbuild.role";
    static final String SIDECAR_LABEL = "io.jenkins.containerbuild.sidecar";
    private static final int LOG_LINES_ON_FAILURE = 20;
    /** A daemon that was killed says nothing about it: a few lines show what it was doing. */
    private static final int LOG_LINES_ON_DEATH = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long the container's state may lag behind the end of its daemon's connection. */
    private static final Duration STATE_LAG = Duration.ofSeconds(5);

    private final DaemonConnection host;
    private final String containerId;
    private final DaemonConnection inner;
    private final String image;

    private DindSidecar(DaemonConnection host, String containerId, DaemonConnection inner, String image) {
        this.host = host;
        this.containerId = containerId;
        this.inner = inner;
        this.image = image;
    }

    /**
     * Starts the sidecar on {@code host} and waits, under {@code options.startTimeout()}, first for the container
     * to keep running and then for its daemon to answer. On any failure the container is removed before the
     * exception leaves.
     */
    public static DindSidecar start(DaemonConnection host, DindOptions options, Timeouts timeouts, EventSink events)
            throws ContainerEngineException, InterruptedException {
        DockerClient docker = host.docker();
        int port = freeLoopbackPort();
        Map<String, String> labels = Map.of(OWNER_LABEL, options.owner(), ROLE_LABEL, "dind",
                SIDECAR_LABEL, java.util.UUID.randomUUID().toString());
        if (options.cacheVolume() != null) {
            ensureVolume(docker, options.cacheVolume(), labels);
        }
        events.accept(new EngineEvent.Phase("Starting DinD sidecar from " + options.image() + " on " + host.endpoint()
                + (options.cacheVolume() != null ? ", cache volume " + options.cacheVolume() : "")));
        String id = create(host, options, port, labels);
        boolean ready = false;
        try {
            abortIfInterrupted();
            docker.startContainerCmd(id).exec();
            DaemonConnection inner = awaitDaemon(host, id, port, options.startTimeout(), timeouts);
            ready = true;
            events.accept(new EngineEvent.Phase("DinD sidecar " + id.substring(0, 12) + " ready on tcp://127.0.0.1:"
                    + port + " (API " + inner.apiVersion() + ")"));
            return new DindSidecar(host, id, inner, options.image());
        } catch (RuntimeException e) {
            if (DaemonConnection.isInterruption(e)) {
                throw new InterruptedException("aborted while the DinD sidecar started");
            }
            throw new DindStartException("The DinD sidecar from " + options.image() + " did not start ("
                    + DaemonConnection.rootMessage(e) + "): check the image and the security profile.", e);
        } finally {
            if (!ready) {
                remove(host, id);
            }
        }
    }

    /**
     * Creates the container through the raw API: docker-java's HostConfig cannot express {@code MaskedPaths} and
     * {@code ReadonlyPaths}, which the capabilities profile must empty (the CLI's {@code systempaths=unconfined}).
     */
    private static String create(DaemonConnection host, DindOptions options, int port, Map<String, String> labels)
            throws DindStartException, InterruptedException {
        try {
            return create(host, options, port, labels, true);
        } catch (CapabilityUnavailable e) {
            // Engine 23 and newer: ALL means the capabilities this environment has, and naming an absent one to
            // drop is refused; so ALL already lacks SYS_RESOURCE where it is missing
            try {
                return create(host, options, port, labels, false);
            } catch (CapabilityUnavailable impossible) { // thrown only when SYS_RESOURCE is dropped
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** The daemon refused to drop SYS_RESOURCE because its environment does not have it. */
    private static final class CapabilityUnavailable extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static String create(DaemonConnection host, DindOptions options, int port, Map<String, String> labels,
                                 boolean dropSysResource)
            throws DindStartException, InterruptedException, CapabilityUnavailable {
        ObjectNode body = JSON.createObjectNode();
        body.put("Image", options.image());
        ArrayNode cmd = body.putArray("Cmd");
        for (String arg : List.of("--host", "tcp://127.0.0.1:" + port, "--bridge=none", "--iptables=false",
                "--ip6tables=false")) {
            cmd.add(arg);
        }
        ObjectNode labelNode = body.putObject("Labels");
        labels.forEach(labelNode::put);
        ObjectNode hc = body.putObject("HostConfig");
        hc.put("NetworkMode", "host");
        ArrayNode binds = hc.putArray("Binds");
        if (options.cacheVolume() != null) {
            binds.add(options.cacheVolume() + ":/var/lib/docker");
        } else {
            body.putObject("Volumes").putObject("/var/lib/docker"); // anonymous, removed with the container
        }
        switch (options.security()) {
            case PRIVILEGED -> hc.put("Privileged", true);
            case CAPABILITIES -> {
                hc.putArray("CapAdd").add("ALL");
                if (dropSysResource) {
                    hc.putArray("CapDrop").add("SYS_RESOURCE");
                }
                hc.putArray("SecurityOpt").add("seccomp=unconfined").add("apparmor=unconfined");
                hc.putArray("MaskedPaths");
                hc.putArray("ReadonlyPaths");
                hc.putArray("DeviceCgroupRules").add("a *:* rwm");
                binds.add("/sys/fs/cgroup:/sys/fs/cgroup:rw");
            }
        }
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path(host.path("/containers/create"))
                .putHeader("Content-Type", "application/json")
                .bodyBytes(body.toString().getBytes(StandardCharsets.UTF_8))
                .build();
        try (DockerHttpClient.Response r = host.call(req)) {
            JsonNode reply = JSON.readTree(r.getBody());
            if (r.getStatusCode() == 404) {
                throw new DindStartException("DinD image " + options.image() + " is not on " + host.endpoint()
                        + ": load or pull it there first, or name another image.");
            }
            String message = reply.path("message").asText("");
            if (r.getStatusCode() != 201 && dropSysResource && message.contains("invalid CapDrop")
                    && message.contains("SYS_RESOURCE")) {
                throw new CapabilityUnavailable();
            }
            if (r.getStatusCode() != 201) {
                throw new DindStartException("The DinD sidecar could not be created on " + host.endpoint() + " ("
                        + reply.path("message").asText("HTTP " + r.getStatusCode())
                        + "): check the image and the security profile.");
            }
            return reply.path("Id").asText();
        } catch (IOException | RuntimeException e) {
            if (DaemonConnection.isInterruption(e)) {
                removeByLabel(host, labels.get(SIDECAR_LABEL));
                throw new InterruptedException("aborted while the DinD sidecar was created");
            }
            throw new DindStartException("The DinD sidecar could not be created on " + host.endpoint() + " ("
                    + DaemonConnection.rootMessage(e) + "): check that the daemon runs.", e);
        }
    }

    private static void ensureVolume(DockerClient docker, String name, Map<String, String> labels) {
        try {
            docker.inspectVolumeCmd(name).exec();
        } catch (NotFoundException e) {
            docker.createVolumeCmd().withName(name).withLabels(labels).exec();
        }
    }

    private static DaemonConnection awaitDaemon(DaemonConnection host, String id, int port, Duration deadline,
                                                Timeouts timeouts) throws ContainerEngineException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + port), null, false);
        Timeouts quick = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), timeouts.streamIdle());
        ContainerEngineException last = null;
        while (true) {
            abortIfInterrupted();
            // phase 1: the container must still run
            InspectContainerResponse.ContainerState state = host.docker().inspectContainerCmd(id).exec().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                throw new DindStartException("The DinD sidecar exited with code " + state.getExitCodeLong()
                        + " before its daemon answered; its last log lines:\n" + String.join("\n", lastLogLines(host, id))
                        + "\nCheck the image and the security profile (the host may refuse --privileged: try 'capabilities').");
            }
            // phase 2: its daemon must answer
            try {
                DaemonConnection inner = DaemonConnection.open(endpoint, new Timeouts(quick.connect(), timeouts.request(),
                        timeouts.streamIdle()));
                if (Thread.interrupted()) {
                    inner.close();
                    throw new InterruptedException("aborted while the DinD sidecar started");
                }
                return inner;
            } catch (ContainerEngineException e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                throw new DindStartException("The DinD sidecar's daemon did not answer within " + deadline.toSeconds()
                        + " s (" + (last != null ? last.getMessage() : "no answer") + "); its last log lines:\n"
                        + String.join("\n", lastLogLines(host, id))
                        + "\nGive it more time or check the image.");
            }
            Thread.sleep(200); // poll interval; the deadline above bounds the wait
        }
    }

    /** The last lines the container printed, from the host daemon's log endpoint (stdout and stderr). */
    static List<String> lastLogLines(DaemonConnection host, String id) {
        return lastLogLines(host, id, LOG_LINES_ON_FAILURE);
    }

    private static List<String> lastLogLines(DaemonConnection host, String id, int count) {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(host.path("/containers/" + id + "/logs?stdout=1&stderr=1&tail=" + count))
                .build();
        try (DockerHttpClient.Response r = host.call(req)) {
            byte[] raw = r.getBody().readAllBytes();
            String text = demultiplex(raw);
            List<String> lines = new ArrayList<>(List.of(text.split("\n")));
            lines.removeIf(String::isBlank);
            return lines.subList(Math.max(0, lines.size() - count), lines.size());
        } catch (IOException | RuntimeException e) {
            return List.of("(logs unavailable: " + DaemonConnection.rootMessage(e) + ")");
        }
    }

    /** Joins the payloads of Docker's multiplexed log frames (8-byte header: stream, 0, 0, 0, size). */
    static String demultiplex(byte[] raw) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i + 8 <= raw.length && raw[i] <= 2 && raw[i + 1] == 0) {
            int size = ((raw[i + 4] & 0xff) << 24) | ((raw[i + 5] & 0xff) << 16) | ((raw[i + 6] & 0xff) << 8) | (raw[i + 7] & 0xff);
            int start = i + 8;
            int stop = Math.min(raw.length, start + size);
            out.append(new String(raw, start, stop - start, StandardCharsets.UTF_8));
            i = stop;
        }
        if (i == 0) {
            return new String(raw, StandardCharsets.UTF_8); // a TTY container: not multiplexed
        }
        return out.toString();
    }

    /** Docker calls do not notice interrupts: the start sequence checks for them between its steps. */
    private static void abortIfInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("aborted while the DinD sidecar started");
        }
    }

    private static int freeLoopbackPort() throws DindStartException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new DindStartException("No free loopback port for the DinD sidecar: " + e.getMessage(), e);
        }
    }

    /**
     * Removes the container with its anonymous volume. The HTTP client gives up on an interrupted thread, and an
     * abort is exactly when the sidecar must go, so the interrupt is set aside for the call and then restored.
     */
    private static void remove(DaemonConnection host, String id) {
        boolean interrupted = Thread.interrupted();
        try {
            host.docker().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException ignored) {
            // already gone
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes a sidecar whose id never reached us (the create call was aborted), found by its unique label. */
    private static void removeByLabel(DaemonConnection host, String sidecarLabel) {
        boolean interrupted = Thread.interrupted();
        try {
            for (var c : host.docker().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(SIDECAR_LABEL, sidecarLabel)).exec()) {
                remove(host, c.getId());
            }
        } catch (RuntimeException e) {
            // best effort: the owner label still marks the container for scripts/lab stop or a janitor
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Whether the sidecar's container stopped: when it did, an exception that says so with its exit code and last
     * log lines, for a {@code what} (build, push) whose connection broke; empty while it runs. The container's state
     * may lag a moment behind its daemon's end, so it is watched for a few seconds.
     */
    public Optional<DindSidecarDiedException> stoppedDuring(String what, Throwable cause) {
        long end = System.nanoTime() + STATE_LAG.toNanos();
        boolean interrupted = Thread.interrupted(); // the HTTP client refuses to work on an interrupted thread
        try {
            while (true) {
                InspectContainerResponse.ContainerState state;
                try {
                    state = host.docker().inspectContainerCmd(containerId).exec().getState();
                } catch (NotFoundException e) {
                    return Optional.of(new DindSidecarDiedException("The DinD sidecar " + containerId.substring(0, 12)
                            + " from " + image + " disappeared during the " + what + " (someone removed it): run the "
                            + what + " again.", cause));
                } catch (RuntimeException e) {
                    return Optional.empty(); // the host daemon cannot tell: the original failure stands
                }
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    long code = state.getExitCodeLong() != null ? state.getExitCodeLong() : -1;
                    String why = Boolean.TRUE.equals(state.getOOMKilled()) ? ", killed for lack of memory"
                            : code == 137 ? ", killed (SIGKILL: out of memory, or stopped by someone)" : "";
                    return Optional.of(new DindSidecarDiedException("The DinD sidecar " + containerId.substring(0, 12)
                            + " from " + image + " died during the " + what + " with exit code " + code + why
                            + "; its last log lines:\n" + String.join("\n", lastLogLines(host, containerId, LOG_LINES_ON_DEATH))
                            + "\nCheck the host's memory and the sidecar's log, then run the " + what + " again.", cause));
                }
                if (interrupted || System.nanoTime() > end) {
                    return Optional.empty();
                }
                try {
                    Thread.sleep(100); // poll interval; STATE_LAG bounds the wait
                } catch (InterruptedException e) {
                    interrupted = true;
                    return Optional.empty();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The sidecar's own daemon. */
    public DaemonConnection daemon() {
        return inner;
    }

    public String containerId() {
        return containerId;
    }

    /** Closes the connection to the inner daemon and removes the container with its anonymous volume. */
    @Override
    public void close() {
        try {
            inner.close();
        } finally {
            remove(host, containerId);
        }
    }

}
