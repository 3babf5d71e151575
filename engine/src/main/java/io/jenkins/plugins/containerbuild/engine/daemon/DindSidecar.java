package io.jenkins.plugins.containerbuild.engine.daemon;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.CacheVolumeInUseException;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.DindSidecarDiedException;
import io.jenkins.plugins.containerbuild.engine.DindStartException;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A Docker daemon in a container on a host daemon, listening on a loopback port of the host network with mutual TLS
 * only. Started by {@link #start}, ready when its daemon answers, removed by {@link #close()} on success, failure and
 * abort. Its containers and volumes carry the labels {@link #OWNER_LABEL} and {@link #ROLE_LABEL}, and the owner
 * process labels of {@link OwnerProcess}, so leftovers can be found and those of a dead process removed.
 */
public final class DindSidecar implements AutoCloseable {

    public static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";
    public static final String ROLE_LABEL = "io.jenkins.containerbuild.role";
    static final String SIDECAR_LABEL = "io.jenkins.containerbuild.sidecar";
    private static final int LOG_LINES_ON_FAILURE = 20;
    /** A daemon that was killed says nothing about it: a few lines show what it was doing. */
    private static final int LOG_LINES_ON_DEATH = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the inner daemon's TLS files are put, in the container. */
    static final String TLS_DIR = "/containerbuild-tls";
    private static final String CLIENT_CERT = "client-cert.pem";
    private static final String CLIENT_KEY = "client-key.pem";
    private static final Pattern LISTEN = Pattern.compile("API listen on 127\\.0\\.0\\.1:(\\d+)");
    /** More than any daemon prints before it listens. */
    private static final int MAX_START_LOG = 1 << 20;

    /** How long the container's state may lag behind the end of its daemon's connection. */
    private static final Duration STATE_LAG = Duration.ofSeconds(5);

    /** The states in which a container may be using a volume it mounts, or is about to. */
    private static final Set<String> HOLDING_STATES = Set.of("running", "restarting", "paused");

    private final DaemonConnection host;
    private final String containerId;
    private final DaemonConnection inner;
    private final String image;
    private final String label;

    private DindSidecar(DaemonConnection host, String containerId, DaemonConnection inner, String image,
                        String label) {
        this.host = host;
        this.containerId = containerId;
        this.inner = inner;
        this.image = image;
        this.label = label;
    }

    /**
     * Starts the sidecar on {@code host} and waits, under {@code options.startTimeout()}, first for the container
     * to keep running and then for its daemon to answer. On any failure the container is removed before the
     * exception leaves. Sidecars that a process now gone left behind on {@code host} are removed first.
     *
     * <p>The inner daemon accepts only mutual TLS: a CA, a server and a client certificate are made for this
     * sidecar alone ({@link DindCertificates}); the server's part is copied into the container before it starts, the
     * client's part stays in memory. The daemon picks its own free loopback port and reports it in its log, so no
     * port is chosen here and then raced for.
     *
     * <p>A cache volume is claimed before the sidecar starts: if another container mounts it and runs (a sidecar of
     * any owner, or anything else), or another sidecar was created on it a moment earlier, the start is refused
     * with a {@link CacheVolumeInUseException}; two daemons on one {@code /var/lib/docker} would corrupt it.
     */
    public static DindSidecar start(DaemonConnection host, DindOptions options, Timeouts timeouts, EventSink events)
            throws ContainerEngineException, InterruptedException {
        DockerClient docker = host.docker();
        removeOrphans(host, events);
        DindCertificates certs;
        try {
            certs = DindCertificates.generate();
        } catch (IOException e) {
            throw new DindStartException(e.getMessage(), e);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(OWNER_LABEL, options.owner());
        labels.put(ROLE_LABEL, "dind");
        labels.put(SIDECAR_LABEL, java.util.UUID.randomUUID().toString());
        OwnerProcess.current().ifPresent(p -> {
            labels.put(OwnerProcess.SCOPE_LABEL, p.scope());
            labels.put(OwnerProcess.PROCESS_LABEL, p.processLabel());
        });
        if (options.cacheVolume() != null) {
            ensureVolume(docker, options.cacheVolume(), labels);
        }
        events.accept(new EngineEvent.Phase("Starting DinD sidecar from " + options.image() + " on " + host.endpoint()
                + (options.cacheVolume() != null ? ", cache volume " + options.cacheVolume() : "")));
        String id = create(host, options, labels);
        boolean ready = false;
        try {
            if (options.cacheVolume() != null) {
                claimVolume(host, id, options.cacheVolume());
            }
            abortIfInterrupted();
            copyServerIdentity(host, id, certs);
            abortIfInterrupted();
            docker.startContainerCmd(id).exec();
            DaemonConnection inner = awaitDaemon(host, id, certs.client(), options.startTimeout(), timeouts);
            ready = true;
            events.accept(new EngineEvent.Phase("DinD sidecar " + id.substring(0, 12) + " ready on "
                    + inner.endpoint() + " (API " + inner.apiVersion() + ")"));
            return new DindSidecar(host, id, inner, options.image(), labels.get(SIDECAR_LABEL));
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
     * The running sidecar {@code containerId} on {@code host}, for a process that lost the object that held it (its
     * controller restarted): only if it carries {@code label} and {@code owner}, was started by this process (a
     * sidecar of an ended process is removed here, as the next start would anyway) and still runs. Its client identity
     * is read back from the container, where {@link #start} left it ({@code TLS_DIR}, mode 0600), and its daemon is
     * found where its log says it listens. A sidecar that cannot be used is reported with why; one that is no longer
     * this process's, or no longer runs, is removed first.
     */
    public static DindSidecar adopt(DaemonConnection host, String containerId, String label, String owner,
                                    Timeouts timeouts) throws ContainerEngineException {
        String name = nameOf(containerId);
        InspectContainerResponse info;
        try {
            info = host.docker().inspectContainerCmd(containerId).exec();
        } catch (NotFoundException e) {
            throw new DindSidecarDiedException(name + " is not on " + host.endpoint() + " (it was removed, by"
                    + " someone or because the agent's process ended, or this is not the machine that started it): run"
                    + " the steps that use it on the agent that started it, or run the build again.", e);
        }
        Map<String, String> labels = info.getConfig() != null && info.getConfig().getLabels() != null
                ? info.getConfig().getLabels() : Map.of();
        if (!label.equals(labels.get(SIDECAR_LABEL)) || !owner.equals(labels.get(OWNER_LABEL))) {
            throw new DindSidecarDiedException(name + " on " + host.endpoint() + " is not the sidecar of " + owner
                    + " any more (its labels differ): run the build again.", null);
        }
        String process = labels.get(OwnerProcess.PROCESS_LABEL);
        Optional<String> self = OwnerProcess.current().map(OwnerProcess::processLabel);
        if (process != null && self.isPresent() && !process.equals(self.get())) {
            remove(host, containerId);
            throw new DindSidecarDiedException(name + " was started by an agent process that has ended since (the"
                    + " agent restarted); it was removed, as the next sidecar on " + host.endpoint() + " would have"
                    + " done: run the build again.", null);
        }
        InspectContainerResponse.ContainerState state = info.getState();
        if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
            remove(host, containerId);
            throw new DindSidecarDiedException(name + " stopped (exit code " + (state == null ? "unknown"
                    : state.getExitCodeLong()) + ") while the block's controller was away; it was removed: run the"
                    + " build again.", null);
        }
        Map<String, String> tls = readTlsDir(host, containerId);
        if (!tls.containsKey(CLIENT_CERT) || !tls.containsKey(CLIENT_KEY) || !tls.containsKey("ca.pem")) {
            throw new DindSidecarDiedException(name + " holds no client identity (an older version started it): run"
                    + " the build again.", null);
        }
        OptionalInt port = listenPort(host, containerId);
        if (port.isEmpty()) {
            throw new DindSidecarDiedException(name + "'s log no longer says where its daemon listens: run the build"
                    + " again.", null);
        }
        DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + port.getAsInt()),
                new TlsMaterial(tls.get("ca.pem"), tls.get(CLIENT_CERT), tls.get(CLIENT_KEY), true), false);
        DaemonConnection inner = DaemonConnection.open(endpoint, timeouts);
        return new DindSidecar(host, containerId, inner, info.getConfig().getImage(), label);
    }

    /** How messages name a sidecar: by the short form of its container id, as {@code docker ps} shows it. */
    private static String nameOf(String containerId) {
        return "The DinD sidecar " + containerId.substring(0, Math.min(12, containerId.length()));
    }

    /** The files of {@code TLS_DIR} in the container, by name ({@code GET /containers/ID/archive}, read in memory). */
    private static Map<String, String> readTlsDir(DaemonConnection host, String id) throws DindSidecarDiedException {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(host.path("/containers/" + id + "/archive?path=" + TLS_DIR))
                .build();
        Map<String, String> files = new LinkedHashMap<>();
        try (DockerHttpClient.Response r = host.call(req)) {
            if (r.getStatusCode() != 200) {
                return files;
            }
            try (TarArchiveInputStream in = new TarArchiveInputStream(r.getBody())) {
                TarArchiveEntry e;
                while ((e = in.getNextEntry()) != null) {
                    if (e.isFile() && e.getSize() < 1 << 16) {
                        String n = e.getName();
                        files.put(n.substring(n.lastIndexOf('/') + 1),
                                new String(in.readAllBytes(), StandardCharsets.US_ASCII));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new DindSidecarDiedException(nameOf(id) + "'s TLS files could not be read back ("
                    + DaemonConnection.rootMessage(e) + "): run the build again.", e);
        }
        return files;
    }

    /**
     * Refuses {@code volume} to the created, not yet started container {@code self} when another container holds
     * it: one that mounts it and runs (whoever started it), or a DinD sidecar created on it before {@code self} and
     * not yet started (it is about to claim it too). Two sidecars created at once both see each other; the one
     * created first (the daemon's creation time in nanoseconds, then the id) keeps the volume and the other yields,
     * so exactly one of them starts. Both read the same containers of the same daemon, so they agree.
     */
    static void claimVolume(DaemonConnection host, String self, String volume) throws CacheVolumeInUseException {
        Instant mine = null;
        for (var c : host.docker().listContainersCmd().withShowAll(true)
                .withVolumeFilter(List.of(volume)).exec()) {
            if (c.getId().equals(self)) {
                continue;
            }
            String state = String.valueOf(c.getState());
            Map<String, String> labels = c.getLabels() != null ? c.getLabels() : Map.of();
            boolean holds = HOLDING_STATES.contains(state);
            if (!holds && "created".equals(state) && "dind".equals(labels.get(ROLE_LABEL))) {
                if (mine == null) {
                    mine = created(host, self);
                }
                Instant theirs = created(host, c.getId());
                int order = theirs.compareTo(mine);
                holds = order < 0 || (order == 0 && c.getId().compareTo(self) < 0);
            }
            if (holds) {
                String owner = labels.get(OWNER_LABEL);
                String who = owner != null ? "the DinD sidecar " + c.getId().substring(0, 12) + " of " + owner
                        : "the container " + c.getId().substring(0, 12) + " (" + c.getImage() + ")";
                throw new CacheVolumeInUseException(volume, c.getId(), "The cache volume " + volume + " is in use by "
                        + who + " on " + host.endpoint() + ": two daemons on one cache volume would corrupt it;"
                        + " wait until that build has ended, or give this one another cache volume.");
            }
        }
    }

    /** When the daemon created a container, to the nanosecond it reports; the epoch when it cannot say. */
    private static Instant created(DaemonConnection host, String id) {
        try {
            String created = host.docker().inspectContainerCmd(id).exec().getCreated();
            return created != null ? Instant.parse(created) : Instant.EPOCH;
        } catch (NotFoundException | DateTimeParseException e) {
            return Instant.EPOCH; // a vanished container no longer competes; an unreadable time ties on the id
        }
    }

    /**
     * The arguments for the image's entrypoint. An image whose entrypoint is dockerd itself takes dockerd's flags;
     * any other (docker:dind's {@code dockerd-entrypoint.sh}) is given {@code dockerd} first, which makes such a
     * script run dockerd with exactly these flags instead of adding listeners of its own (docker:dind would add
     * {@code tcp://0.0.0.0:2376} or, without its certificates, a plain {@code tcp://0.0.0.0:2375}).
     */
    static List<String> command(List<String> entrypoint) {
        List<String> cmd = new ArrayList<>();
        String last = entrypoint.isEmpty() ? "" : entrypoint.get(entrypoint.size() - 1);
        if (!last.equals("dockerd") && !last.endsWith("/dockerd")) {
            cmd.add("dockerd");
        }
        cmd.addAll(List.of("--host", "tcp://127.0.0.1:0", "--tlsverify",
                "--tlscacert", TLS_DIR + "/ca.pem", "--tlscert", TLS_DIR + "/cert.pem", "--tlskey", TLS_DIR + "/key.pem",
                "--bridge=none", "--iptables=false", "--ip6tables=false"));
        return cmd;
    }

    /** The image's entrypoint on the host daemon; a missing image is the user's to fix. */
    private static List<String> entrypoint(DaemonConnection host, String image)
            throws DindStartException, InterruptedException {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(host.path("/images/" + image + "/json"))
                .build();
        try (DockerHttpClient.Response r = host.call(req)) {
            if (r.getStatusCode() == 404) {
                throw new DindStartException("DinD image " + image + " is not on " + host.endpoint()
                        + ": load or pull it there first, or name another image.");
            }
            JsonNode reply = JSON.readTree(r.getBody());
            if (r.getStatusCode() != 200) {
                throw new DindStartException("The DinD image " + image + " could not be inspected on " + host.endpoint()
                        + " (" + reply.path("message").asText("HTTP " + r.getStatusCode()) + "): check the image name.");
            }
            List<String> out = new ArrayList<>();
            reply.path("Config").path("Entrypoint").forEach(n -> out.add(n.asText()));
            return out;
        } catch (IOException | RuntimeException e) {
            if (DaemonConnection.isInterruption(e)) {
                throw new InterruptedException("aborted while the DinD sidecar started");
            }
            throw new DindStartException("The DinD image " + image + " could not be inspected on " + host.endpoint()
                    + " (" + DaemonConnection.rootMessage(e) + "): check that the daemon runs.", e);
        }
    }

    /**
     * Copies the CA certificate and the server's certificate and key into the created, not yet started container
     * ({@code PUT /containers/ID/archive}, a tar made in memory): nothing is written on the agent's disk.
     */
    private static void copyServerIdentity(DaemonConnection host, String id, DindCertificates certs)
            throws DindStartException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            TarArchiveEntry dir = new TarArchiveEntry(TLS_DIR.substring(1) + "/");
            dir.setMode(040700);
            out.putArchiveEntry(dir);
            out.closeArchiveEntry();
            tarFile(out, "ca.pem", certs.caPem(), 0644);
            tarFile(out, "cert.pem", certs.serverCertPem(), 0644);
            tarFile(out, "key.pem", certs.serverKeyPem(), 0600);
            // the client's identity too, so that a process that lost this object can use the sidecar again (adopt)
            tarFile(out, CLIENT_CERT, certs.client().certPem(), 0600);
            tarFile(out, CLIENT_KEY, certs.client().keyPem(), 0600);
        } catch (IOException e) {
            throw new DindStartException("The DinD sidecar's TLS files could not be packed (" + e.getMessage()
                    + "): report this as a bug.", e);
        }
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.PUT)
                .path(host.path("/containers/" + id + "/archive?path=/"))
                .putHeader("Content-Type", "application/x-tar")
                .bodyBytes(tar.toByteArray())
                .build();
        try (DockerHttpClient.Response r = host.call(req)) {
            if (r.getStatusCode() != 200) {
                throw new DindStartException("The DinD sidecar's TLS files could not be copied into it (HTTP "
                        + r.getStatusCode() + "): check that the image has a writable root file system.");
            }
        }
    }

    private static void tarFile(TarArchiveOutputStream out, String name, String text, int mode) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        TarArchiveEntry e = new TarArchiveEntry(TLS_DIR.substring(1) + "/" + name);
        e.setMode(0100000 | mode);
        e.setSize(bytes.length);
        out.putArchiveEntry(e);
        out.write(bytes);
        out.closeArchiveEntry();
    }

    /**
     * Removes the sidecars on {@code host} whose starting process is certainly gone (see {@link OwnerProcess}):
     * only those of this process's scope, so never one of a live engine, wherever it runs. Best effort: a failure
     * here never stops a build.
     */
    static void removeOrphans(DaemonConnection host, EventSink events) {
        Optional<OwnerProcess> self = OwnerProcess.current();
        if (self.isEmpty()) {
            return;
        }
        try {
            for (var c : host.docker().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(ROLE_LABEL, "dind", OwnerProcess.SCOPE_LABEL, self.get().scope())).exec()) {
                String process = c.getLabels() != null ? c.getLabels().get(OwnerProcess.PROCESS_LABEL) : null;
                if (OwnerProcess.isDead(process)) {
                    remove(host, c.getId());
                    events.accept(new EngineEvent.Phase("Removed DinD sidecar " + c.getId().substring(0, 12)
                            + " left behind by process " + process.substring(0, process.indexOf('@'))
                            + ", which is gone"));
                }
            }
        } catch (RuntimeException e) {
            // best effort: the next engine tries again
        }
    }

    /**
     * Creates the container through the raw API: docker-java's HostConfig cannot express {@code MaskedPaths} and
     * {@code ReadonlyPaths}, which the capabilities profile must empty (the CLI's {@code systempaths=unconfined}).
     */
    static String create(DaemonConnection host, DindOptions options, Map<String, String> labels)
            throws DindStartException, InterruptedException {
        try {
            return create(host, options, labels, true);
        } catch (CapabilityUnavailable e) {
            // Engine 23 and newer: ALL means the capabilities this environment has, and naming an absent one to
            // drop is refused; so ALL already lacks SYS_RESOURCE where it is missing
            try {
                return create(host, options, labels, false);
            } catch (CapabilityUnavailable impossible) { // thrown only when SYS_RESOURCE is dropped
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** The daemon refused to drop SYS_RESOURCE because its environment does not have it. */
    private static final class CapabilityUnavailable extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static String create(DaemonConnection host, DindOptions options, Map<String, String> labels,
                                 boolean dropSysResource)
            throws DindStartException, InterruptedException, CapabilityUnavailable {
        ObjectNode body = JSON.createObjectNode();
        body.put("Image", options.image());
        ArrayNode cmd = body.putArray("Cmd");
        command(entrypoint(host, options.image())).forEach(cmd::add);
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

    private static DaemonConnection awaitDaemon(DaemonConnection host, String id, TlsMaterial tls, Duration deadline,
                                                Timeouts timeouts) throws ContainerEngineException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        Timeouts quick = new Timeouts(Duration.ofSeconds(2), timeouts.request(), timeouts.streamIdle());
        DaemonEndpoint.Tcp endpoint = null;
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
            // phase 2: its daemon must say where it listens, then answer there
            if (endpoint == null) {
                OptionalInt port = listenPort(host, id);
                if (port.isPresent()) {
                    endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + port.getAsInt()), tls, false);
                }
            }
            if (endpoint != null) {
                try {
                    DaemonConnection inner = DaemonConnection.open(endpoint, quick);
                    if (Thread.interrupted()) {
                        inner.close();
                        throw new InterruptedException("aborted while the DinD sidecar started");
                    }
                    return inner;
                } catch (ContainerEngineException e) {
                    last = e;
                }
            }
            if (System.nanoTime() > end) {
                throw new DindStartException("The DinD sidecar's daemon did not answer within " + deadline.toSeconds()
                        + " s (" + (last != null ? last.getMessage()
                                : endpoint == null ? "its log never said 'API listen on 127.0.0.1:PORT'" : "no answer")
                        + "); its last log lines:\n" + String.join("\n", lastLogLines(host, id))
                        + "\nGive it more time or check the image.");
            }
            Thread.sleep(200); // poll interval; the deadline above bounds the wait
        }
    }

    /** The port the inner dockerd reports ({@code API listen on 127.0.0.1:PORT}), once it listens. */
    private static OptionalInt listenPort(DaemonConnection host, String id) {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(host.path("/containers/" + id + "/logs?stdout=1&stderr=1"))
                .build();
        try (DockerHttpClient.Response r = host.call(req)) {
            Matcher m = LISTEN.matcher(demultiplex(r.getBody().readNBytes(MAX_START_LOG)));
            return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty(); // asked again on the next poll
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

    /**
     * Removes the sidecar that carries {@code sidecarLabel} (see {@link #label()}) from {@code host}, if it is still
     * there: for a sidecar whose owner lost track of it. Best effort.
     */
    public static void removeByLabel(DaemonConnection host, String sidecarLabel) {
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
                    return Optional.of(new DindSidecarDiedException(nameOf(containerId)
                            + " from " + image + " disappeared during the " + what + " (someone removed it): run the "
                            + what + " again.", cause));
                } catch (RuntimeException e) {
                    return Optional.empty(); // the host daemon cannot tell: the original failure stands
                }
                if (!Boolean.TRUE.equals(state.getRunning())) {
                    long code = state.getExitCodeLong() != null ? state.getExitCodeLong() : -1;
                    String why = Boolean.TRUE.equals(state.getOOMKilled()) ? ", killed for lack of memory"
                            : code == 137 ? ", killed (SIGKILL: out of memory, or stopped by someone)" : "";
                    return Optional.of(new DindSidecarDiedException(nameOf(containerId)
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

    /** The value of the label that names this sidecar alone, for {@link #removeByLabel}. */
    public String label() {
        return label;
    }

    /** The image it runs. */
    public String image() {
        return image;
    }

    /** Closes the connection to the inner daemon and leaves the container running, for {@link #adopt}. */
    public void detach() {
        inner.close();
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
