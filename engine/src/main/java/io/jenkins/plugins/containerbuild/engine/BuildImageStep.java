package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.buildkit.BuildkitProgress;
import io.jenkins.plugins.containerbuild.engine.context.SyncedDirectory;
import io.jenkins.plugins.containerbuild.engine.session.AuthService;
import io.jenkins.plugins.containerbuild.engine.session.BuildSession;
import io.jenkins.plugins.containerbuild.engine.session.FileSendService;
import io.jenkins.plugins.containerbuild.engine.session.FileSyncService;
import io.jenkins.plugins.containerbuild.engine.session.HealthService;
import io.jenkins.plugins.containerbuild.engine.session.SecretsService;
import io.jenkins.plugins.containerbuild.engine.session.SessionProtocolException;
import io.jenkins.plugins.containerbuild.engine.session.SessionService;
import io.jenkins.plugins.containerbuild.engine.session.SshForwardService;
import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import io.jenkins.plugins.containerbuild.engine.context.BuildContext;
import io.jenkins.plugins.containerbuild.engine.context.CliTarHeaders;
import io.jenkins.plugins.containerbuild.engine.context.ContextException;
import io.jenkins.plugins.containerbuild.engine.daemon.ApiVersion;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.RawDaemonSocket;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * One build: streams the context to {@code POST /build}, follows the progress of the classic builder or BuildKit,
 * and returns the image id the daemon reported. Aborting closes the upload and the reply, which cancels the build
 * on the daemon.
 */
final class BuildImageStep {


    private final DaemonConnection daemon;
    private final BuildRequest request;
    private final EventSink events;
    /** Receives the request's output during a session build; null without an output. */
    private FileSendService fileSend;
    /** On Podman: the build's own cgroup, and how an abort stops its running step; null on Docker Engine. */
    private PodmanRunStopper podmanStopper;

    /** How a Podman build's own cgroup is chosen: {@link PodmanRunStopper#plan}; tests give a plan of their own. */
    private final Function<DaemonConnection, PodmanRunStopper> podmanPlan;

    BuildImageStep(DaemonConnection daemon, BuildRequest request, EventSink events) {
        this(daemon, request, events, PodmanRunStopper::plan);
    }

    BuildImageStep(DaemonConnection daemon, BuildRequest request, EventSink events,
                   Function<DaemonConnection, PodmanRunStopper> podmanPlan) {
        this.daemon = daemon;
        this.request = request;
        this.events = events;
        this.podmanPlan = podmanPlan;
    }

    /**
     * The longest query string sent with {@code POST /build}. Build arguments and labels travel in it: the daemon
     * refuses a request line over 1 MiB (HTTP 431, closing the connection while the context is sent), and a build
     * argument over 128 KiB cannot reach a RUN step (the kernel's limit for one environment string).
     */
    static final int MAX_QUERY_LENGTH = 64 * 1024;

    /** The first API version whose {@code POST /build} takes {@code outputs}. */
    static final ApiVersion OUTPUTS_API = new ApiVersion(1, 40);

    /** Runs the build; returns the image id ({@code sha256:...}) and how many steps were cached. */
    Built call() throws ContainerEngineException, InterruptedException {
        List<String> buildKitOnly = request.buildKitOnlyOptions();
        if (podman() && !buildKitOnly.isEmpty()) {
            boolean one = buildKitOnly.size() == 1 && !buildKitOnly.get(0).equals("secrets");
            throw new ContainerEngineException(daemon.product() + " (" + daemon.endpoint() + ") has no BuildKit"
                    + " session, which " + String.join(" and ", buildKitOnly) + (one ? " needs" : " need")
                    + ": build on a Docker Engine daemon with BuildKit (18.09 or later: the agent's Docker socket, a"
                    + " remote one over TCP or a DinD sidecar), or drop " + (one ? "it" : "them") + ".");
        }
        if (podman() && !request.cacheFrom().isEmpty()) {
            events.accept(new EngineEvent.Warning("Podman takes no cache sources in Docker's form: "
                    + String.join(", ", request.cacheFrom()) + " not used; Buildah's layer cache on the daemon"
                    + " still applies."));
        }
        if (!podman() && request.builderKind() == BuilderKind.CLASSIC && !buildKitOnly.isEmpty()) {
            throw new ContainerEngineException("The classic builder cannot serve " + String.join(", ", buildKitOnly)
                    + ": these need BuildKit; build with builder 'buildkit' or drop them.");
        }
        if (request.output() != null && daemon.apiVersion().compareTo(OUTPUTS_API) < 0) {
            throw new ContainerEngineException("The daemon on " + daemon.endpoint() + " speaks API "
                    + daemon.apiVersion() + ", which has no build outputs (API " + OUTPUTS_API + ", Docker 19.03, is"
                    + " needed): upgrade the daemon or drop the output.");
        }
        // a missing context or a Dockerfile that is not a file is reported by BuildContext, with its own message
        if (Files.isDirectory(request.context()) && !Files.exists(BuildContext.locate(request.dockerfile()))) {
            throw new DockerfileMissingException("Dockerfile " + request.dockerfile()
                    + " does not exist: create it or name the right file with " + request.dockerfileOption() + ".");
        }
        BuildContext context = openContext();
        warnIfForeignPlatform();
        if (buildKit() && (sessionsEnabled() || needsSession())) {
            Built viaSession = buildThroughSession(context);
            if (viaSession != null) {
                return viaSession;
            }
        }
        if (podman()) {
            return buildOnPodman(context);
        }
        if (!buildKit()) {
            // the classic builder's cache covers owner names and modes: send what the daemon's own CLI sends
            context = context.withTarHeaders(CliTarHeaders.ofApi(daemon.apiVersion().major(),
                    daemon.apiVersion().minor()));
        }
        String query = checkedQuery(context.dockerfileName());
        announce("");
        AbortableCall call = new AbortableCall();
        Instant began = Instant.now().minus(CLOCK_SKEW);
        ContextUploadProgress[] upload = {null};
        try {
            return uploadAndFollow(call, context, query, upload);
        } finally {
            // BuildKit keeps its copy of an uploaded tar as a cache record that nothing can reuse
            if (buildKit() && upload[0] != null
                    && upload[0].sent() >= SWEEP_FROM_BYTES && !call.aborted()) {
                new ContextRecordSweeper(daemon, events).sweep(began);
            }
        }
    }

    /**
     * Podman builds with Buildah, in a cgroup of the build's own where Podman can make one, so that an abort can stop
     * the running RUN step, which Podman itself lets run to its end ({@link PodmanRunStopper}). A runtime that refuses
     * the cgroup (its error names it, before the step's command ran) has the build run again without one.
     */
    private Built buildOnPodman(BuildContext context) throws ContainerEngineException, InterruptedException {
        podmanStopper = podmanPlan.apply(daemon);
        try {
            return buildOnPodmanOnce(context);
        } catch (ContainerEngineException e) {
            if (!podmanStopper.refusedBy(e)) {
                throw e;
            }
            events.accept(new EngineEvent.Warning("Podman's OCI runtime on " + daemon.endpoint() + " refused the"
                    + " build a cgroup of its own (" + podmanStopper.cgroupParent() + "): building again without one;"
                    + " an abort then cannot stop a running RUN step."));
            podmanStopper = podmanStopper.withoutCgroup("its OCI runtime refused the build a cgroup of its own");
            return buildOnPodmanOnce(openContext());
        }
    }

    private Built buildOnPodmanOnce(BuildContext context) throws ContainerEngineException, InterruptedException {
        String query = checkedQuery(context.dockerfileName());
        announce("");
        try {
            return uploadAndFollow(new AbortableCall(), context, query, new ContextUploadProgress[1]);
        } catch (InterruptedException e) {
            podmanStopper.stopAfterAbort(events);
            throw e;
        }
    }

    /**
     * The context as the tar upload sends it: the directory and the Dockerfile checked, the {@code .dockerignore}
     * read. Nothing is walked yet. Done first for both ways of building, for the same checks and messages.
     */
    private BuildContext openContext() throws BuildContextException {
        try {
            // BuildKit applies no .dockerignore to an uploaded tar: its context is filtered here alone. Buildah
            // (Podman) reads the .dockerignore it receives, as the classic builder does.
            return buildKit()
                    ? BuildContext.forBuildKit(request.context(), request.dockerfile(), request.dockerfileOption())
                    : BuildContext.of(request.context(), request.dockerfile(), request.dockerfileOption());
        } catch (IOException e) {
            throw contextUnreadable(e);
        }
    }

    private BuildContextException contextUnreadable(IOException e) {
        if (e instanceof ContextException c) {
            return new BuildContextException(c.getMessage(), c);
        }
        return new BuildContextException("The build context " + request.context() + " cannot be read ("
                + e.getMessage() + "): check that the directory exists and is readable.", e);
    }

    /** The build's query string, refused when the daemon could not take it. */
    private String checkedQuery(String dockerfileName) throws ContainerEngineException {
        String query = query(dockerfileName);
        if (query.length() > MAX_QUERY_LENGTH) {
            throw new ContainerEngineException(queryTooLong(query.length()));
        }
        return query;
    }

    private void announce(String how) {
        events.accept(new EngineEvent.Phase("Building " + (request.tags().isEmpty() ? "an untagged image"
                : String.join(", ", request.tags())) + " with " + (podman() ? "Buildah (Podman "
                + daemon.product().version() + ")" : request.builderKind()) + " on " + daemon.endpoint() + how));
    }

    /** Podman answers the build endpoint with Buildah, whichever builder is asked for. */
    private boolean podman() {
        return daemon.product().podman();
    }

    /** BuildKit runs this build: asked for, and the daemon is a Docker Engine. */
    private boolean buildKit() {
        return request.builderKind() == BuilderKind.BUILDKIT && !podman();
    }

    /**
     * Uploads from this size on have their BuildKit cache record removed after the build. Listing the build cache
     * costs a noticeable fraction of a second on a busy daemon; smaller records (a few hundred KiB at most) are
     * left to the daemon's cache collection.
     */
    static final long SWEEP_FROM_BYTES = 1024 * 1024;

    /** How far the daemon's clock may be behind ours when records made since a build began are looked for. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

    private Built uploadAndFollow(AbortableCall call, BuildContext context, String query,
                                  ContextUploadProgress[] upload) throws ContainerEngineException, InterruptedException {
        return call.run("containerbuild-build", () -> {
            ContextUploadProgress body = new ContextUploadProgress(context, events);
            upload[0] = body;
            call.closeOnAbort(body);
            DockerHttpClient.Request http = buildPost(query, body);
            long start = System.nanoTime();
            boolean[] answered = {false};
            try (DockerHttpClient.Response response = daemon.stream(http)) {
                answered[0] = true;
                call.closeOnAbort(response);
                Built built = follow(response);
                events.accept(new EngineEvent.Phase("Built " + built.imageId() + " in "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms"));
                return built;
            } catch (IOException | RuntimeException e) {
                for (Throwable t = e; t != null && !call.aborted(); t = t.getCause()) {
                    if (t instanceof ContextException c) { // the context failed while it was streamed
                        throw new BuildContextException(c.getMessage(), c);
                    }
                }
                throw broken(call, answered[0], e);
            } finally {
                body.close();
            }
        });
    }

    /**
     * {@code POST /build}: the body is the context tar, or empty when a session serves the context. The classic
     * builder takes pull credentials in {@code X-Registry-Config}, for the hosts given and no other; BuildKit ignores
     * that header and asks the session's auth service instead.
     */
    private DockerHttpClient.Request buildPost(String query, InputStream body) {
        DockerHttpClient.Request.Builder post = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path(daemon.path("/build?" + query))
                .putHeader("Content-Type", "application/x-tar");
        if (!buildKit() && !request.pullCredentials().isEmpty()) { // Podman reads it for either builder value
            post.putHeader("X-Registry-Config", RegistryAuthHeaders.registryConfig(request.pullCredentials()));
        }
        return post.body(body).build();
    }

    /**
     * BuildKit through a session, as the docker CLI does it: the daemon fetches the context and the Dockerfile
     * itself and asks only for the files it does not have from the last build of the same directory. Null when no
     * session can be opened (the caller then sends the context as a tar).
     */
    private Built buildThroughSession(BuildContext context) throws ContainerEngineException, InterruptedException {
        SyncedDirectory contextDir;
        SyncedDirectory dockerfileDir;
        Path served = servedDockerfile(context);
        try {
            contextDir = SyncedDirectory.context(context);
            dockerfileDir = SyncedDirectory.dockerfileDirectory(served);
        } catch (IOException e) {
            throw contextUnreadable(e);
        }
        String query = checkedQuery(served.getFileName().toString());
        fileSend = openOutput();
        FileSyncService fileSync = new FileSyncService(Map.of(BuildSession.CONTEXT, contextDir,
                BuildSession.DOCKERFILE, dockerfileDir));
        List<SessionService> services = new ArrayList<>();
        BuildSession session;
        boolean handedOver = false;
        try {
            sessionServices(fileSync, services);
            RawDaemonSocket socket = daemon.openRawSocket();
            handedOver = true; // BuildSession.open closes the services, even when it fails
            session = BuildSession.open(socket, "/v" + daemon.apiVersion(),
                    BuildSession.sharedKey(contextDir.root()), services);
        } catch (ContainerEngineException | IOException | RuntimeException e) {
            if (!handedOver) { // the output's new directories, the secrets' copies and the keys go now
                services.forEach(SessionService::close);
                if (fileSend != null && !services.contains(fileSend)) {
                    fileSend.close();
                }
            }
            if (e instanceof ContainerEngineException engine) {
                throw engine;
            }
            if (needsSession()) {
                throw new ContainerEngineException("The daemon on " + daemon.endpoint() + " opened no BuildKit"
                        + " session (" + e.getMessage() + "), which " + String.join(", ", sessionOnlyOptions())
                        + " need: use a Docker daemon with BuildKit (Docker Engine 18.09 or later), or drop them.", e);
            }
            events.accept(new EngineEvent.Warning("No BuildKit session (" + e.getMessage()
                    + "): the whole build context is sent as a tar instead."));
            return null;
        }
        announce(" (context served through a BuildKit session)");
        AbortableCall call = new AbortableCall();
        try (session) {
            return call.run("containerbuild-build", () -> {
                call.closeOnAbort(session::close);
                DockerHttpClient.Request http = buildPost(query + "&session=" + session.id() + "&remote=client-session",
                        InputStream.nullInputStream());
                long start = System.nanoTime();
                boolean[] answered = {false};
                try (DockerHttpClient.Response response = daemon.stream(http)) {
                    answered[0] = true;
                    call.closeOnAbort(response);
                    Built built;
                    try {
                        built = follow(response);
                        commitOutput();
                    } catch (ContainerEngineException e) {
                        if (session.protocolFailure() != null) { // the cause; the rest followed from it
                            throw brokeSessionProtocol(session.protocolFailure());
                        }
                        if (fileSend != null && fileSend.failure() != null) { // the output refused or failed
                            throw new ContainerEngineException(fileSend.failure().getMessage(), fileSend.failure());
                        }
                        IOException local = session.failure();
                        if (local != null) { // an unreadable file: say so, not the daemon's echo of it
                            throw new BuildContextException(local.getMessage(), local);
                        }
                        throw e;
                    }
                    events.accept(new EngineEvent.Progress(ContextUploadProgress.SUBJECT, "Sent",
                            fileSync.bytesSent(), fileSync.bytesSent()));
                    events.accept(new EngineEvent.Phase((built.imageId() != null ? "Built " + built.imageId()
                            : "Exported to " + fileSend.destination()) + " in "
                            + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms ("
                            + fileSync.bytesSent() + " bytes of changed files sent)"));
                    return built;
                } catch (IOException | RuntimeException e) {
                    if (session.protocolFailure() != null && !call.aborted()) { // not a daemon out of reach
                        throw brokeSessionProtocol(session.protocolFailure());
                    }
                    throw broken(call, answered[0], e);
                }
            });
        }
    }

    /**
     * The Dockerfile as the session offers it: under its own name from its own directory, as the docker CLI does;
     * when it is a link that leads out of that directory (which BuildKit would not follow), the file it leads to, from
     * that file's directory.
     */
    private static Path servedDockerfile(BuildContext context) throws BuildContextException {
        Path named = context.namedDockerfile();
        try {
            return context.realDockerfile().startsWith(named.getParent().toRealPath()) ? named
                    : context.realDockerfile();
        } catch (IOException e) {
            throw new BuildContextException("The Dockerfile's directory " + named.getParent() + " cannot be read ("
                    + e.getMessage() + "): check that it exists and is readable.", e);
        }
    }

    /**
     * The daemon broke the session's protocol (it flooded, or sent what no BuildKit sends): the session was ended,
     * and the build with it. Said as such, not as a daemon that could not be reached, which it could.
     */
    private ContainerEngineException brokeSessionProtocol(SessionProtocolException e) {
        return new ContainerEngineException("The daemon at " + daemon.endpoint() + " broke the BuildKit session"
                + " protocol: " + e.getMessage() + ". The session and the build were stopped; check what answers on"
                + " that address (a proxy in front of the daemon, or a daemon that is not Docker's), then build again.",
                e);
    }

    /**
     * The services the session offers for this request, and only those: the one place they are registered. The
     * daemon can ask for nothing the request did not give. Adds them to {@code services}: when one cannot be made,
     * those made before it are there for the caller to close.
     */
    private void sessionServices(FileSyncService fileSync, List<SessionService> services)
            throws ContainerEngineException {
        services.add(fileSync);
        services.add(new HealthService());
        if (!request.pullCredentials().isEmpty()) {
            services.add(new AuthService(request.pullCredentials(), events));
        }
        if (!request.secrets().isEmpty()) {
            services.add(new SecretsService(request.secrets()));
        }
        if (fileSend != null) {
            services.add(fileSend);
        }
        if (!request.ssh().isEmpty()) {
            services.add(new SshForwardService(SshAgents.of(request.ssh())));
        }
    }

    /** The service that receives the request's output, its destination checked and created; null without one. */
    private FileSendService openOutput() throws ContainerEngineException {
        try {
            return switch (request.output()) {
                case null -> null;
                case BuildOutput.Local local -> FileSendService.intoDirectory(local.directory());
                case BuildOutput.Tar tar -> FileSendService.intoTarFile(tar.file());
            };
        } catch (IOException e) {
            throw new ContainerEngineException(e.getMessage(), e);
        }
    }

    /** The build succeeded: keeps the output (a tar moves into place) and says what could not be written. */
    private void commitOutput() throws ContainerEngineException {
        if (fileSend == null) {
            return;
        }
        try {
            fileSend.commit();
        } catch (IOException e) {
            throw new ContainerEngineException(e.getMessage(), e);
        }
        List<String> skipped = fileSend.skipped();
        if (!skipped.isEmpty()) {
            events.accept(new EngineEvent.Warning(skipped.size() + " device, pipe or socket entries of the output"
                    + " were not written (the first: " + skipped.get(0) + "): only files, directories and links"
                    + " are exported."));
        }
    }

    /** What the request asks that only a session can serve (the tar upload cannot); empty when nothing. */
    private List<String> sessionOnlyOptions() {
        List<String> options = new ArrayList<>(request.buildKitOnlyOptions());
        if (!request.pullCredentials().isEmpty()) {
            options.add(0, "pull credentials");
        }
        return options;
    }

    private boolean needsSession() {
        return !sessionOnlyOptions().isEmpty();
    }

    /**
     * What a broken build stream means: the abort closed it (InterruptedException), or the daemon went away before
     * or after it answered.
     */
    private Exception broken(AbortableCall call, boolean answered, Exception e) {
        if (call.aborted()) {
            return new InterruptedException("build aborted");
        }
        return answered ? DaemonConnection.brokenDuring("build", e, daemon.endpoint())
                : DaemonConnection.classify(e, daemon.endpoint());
    }

    /** The system property that, set to {@code false}, makes BuildKit builds upload the context as a tar. */
    static final String SESSION_PROPERTY = "containerbuild.buildkit.session";

    /** BuildKit builds use a session unless {@value #SESSION_PROPERTY} is {@code false}. */
    static boolean sessionsEnabled() {
        return !"false".equals(System.getProperty(SESSION_PROPERTY));
    }

    private Built follow(DockerHttpClient.Response response) throws ContainerEngineException, IOException {
        if (response.getStatusCode() != 200) {
            throw failureFromStatus(response);
        }
        boolean buildkit = buildKit();
        ClassicProgress classic = new ClassicProgress(events);
        BuildkitProgress bk = new BuildkitProgress(new BuildkitEvents(events));
        String imageId = null;
        String error = null;
        try (Json.Values lines = Json.values(response.getBody())) {
            while (lines.hasNext()) {
                JsonNode line = lines.next();
                error = DaemonReplies.streamError(line);
                if (error != null) {
                    break;
                }
                String id = line.path("id").asText("");
                JsonNode aux = line.get("aux");
                if ("moby.buildkit.trace".equals(id) && aux != null) {
                    try {
                        bk.acceptAux(aux.asText());
                    } catch (MalformedProtobufException e) {
                        events.accept(new EngineEvent.Warning("Unreadable BuildKit progress skipped: " + e.getMessage()));
                    }
                } else if (aux != null && aux.hasNonNull("ID")) {
                    // moby.image.id (BuildKit) or the classic builder's aux; printed in logs and results
                    imageId = Printable.line(aux.get("ID").asText());
                } else if (line.hasNonNull("stream")) {
                    classic.accept(line.get("stream").asText());
                } else if (line.hasNonNull("status") && !buildkit) {
                    events.accept(new EngineEvent.Progress(id, line.get("status").asText(), 0, 0));
                }
            }
        }
        if (error != null) {
            bk.finish();
            throw failure(error, buildkit ? bk.failure() : Optional.empty(), classic);
        }
        if (imageId == null && request.output() == null) { // with an output the daemon makes no image
            throw new ContainerEngineException("The daemon ended the build without an image id: the connection may have"
                    + " dropped; run the build again and check the daemon's log.");
        }
        bk.finish();
        classic.finish();
        return new Built(imageId, buildkit ? bk.cachedSteps() : classic.cachedSteps());
    }

    /**
     * A platform other than the daemon's own builds only where the daemon's host can run its programs: says so
     * before the build, since a RUN step would otherwise fail with no more than {@code exec format error}.
     */
    private void warnIfForeignPlatform() {
        if (request.platform() == null) {
            return;
        }
        String own = daemonPlatform();
        if (own != null && !sameOsAndArch(request.platform(), own)) {
            events.accept(new EngineEvent.Warning("Building for " + request.platform() + " on a " + own + " daemon ("
                    + daemon.endpoint() + "): its RUN steps need emulation for " + request.platform()
                    + " on the daemon's host (QEMU registered with binfmt_misc)."));
        }
    }

    /** The daemon's own {@code os/arch} from {@code GET /version}; null when it does not say. */
    private String daemonPlatform() {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(daemon.path("/version"))
                .build();
        boolean interrupted = Thread.interrupted(); // also asked after an abort-free failure; never lose an interrupt
        try (DockerHttpClient.Response r = daemon.call(req)) {
            JsonNode v = Json.read(r.getBody());
            String os = v.path("Os").asText("");
            String arch = v.path("Arch").asText("");
            return r.getStatusCode() == 200 && !os.isEmpty() && !arch.isEmpty() ? os + "/" + arch : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether two platforms name the same os and architecture (a variant or a missing arch is not compared). */
    static boolean sameOsAndArch(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        return x[0].equals(y[0]) && (x.length < 2 || y.length < 2 || x[1].equals(y[1]));
    }

    /**
     * A step that failed because the kernel refused its program ({@code exec format error}): a binary of another
     * platform, and no emulation for it on the daemon's host.
     */
    private Optional<PlatformUnsupportedException> platformFailure(String step, String error, List<String> lastLines) {
        String reason = null;
        for (String line : lastLines) {
            if (line.toLowerCase(Locale.ROOT).contains("exec format error")) {
                reason = line.strip();
            }
        }
        if (reason == null && error.toLowerCase(Locale.ROOT).contains("exec format error")) {
            reason = error.strip();
        }
        if (reason == null) {
            return Optional.empty();
        }
        String own = daemonPlatform();
        String wanted = request.platform();
        String arch = wanted != null && wanted.contains("/") ? wanted.split("/")[1] : null;
        return Optional.of(new PlatformUnsupportedException("Build step " + (step != null ? step + " " : "")
                + "could not run its program: the daemon on " + daemon.endpoint()
                + (own != null ? " (" + own + ")" : "") + " cannot execute programs for "
                + (wanted != null ? wanted : "the platform of the base image") + " (" + reason + "). Install"
                + " emulation on the daemon's host (QEMU registered with binfmt_misc: the packages qemu-user-static"
                + " and binfmt-support, or docker run --privileged --rm tonistiigi/binfmt --install "
                + (arch != null ? arch : "all") + "), or build for " + (own != null ? own : "the daemon's platform")
                + ".", step, lastLines, wanted));
    }

    private ContainerEngineException failure(String error, Optional<BuildkitProgress.FailedStep> bkStep,
                                             ClassicProgress classic) {
        if (looksLikeRegistryAuthFailure(error)) {
            return new RegistryAuthException("A registry refused the daemon a base image or cache source ("
                    + error.strip() + "): give pull credentials for that registry that may pull the repository, then"
                    + " run the build again.");
        }
        if (looksLikeMissingBaseImage(error)) {
            return new BaseImageMissingException("A base image of " + request.dockerfile().getFileName()
                    + " is missing (" + error.strip() + "): build or load it on the daemon, push it to a registry the"
                    + " daemon can reach, or fix the FROM line.");
        }
        if (bkStep.isPresent()) {
            BuildkitProgress.FailedStep f = bkStep.get();
            return platformFailure(f.name(), f.error(), f.lastLines())
                    .<ContainerEngineException>map(p -> p)
                    .orElseGet(() -> new BuildFailedException(f.name(), f.error(), f.lastLines()));
        }
        return platformFailure(classic.currentStep(), error, classic.lastLines())
                .<ContainerEngineException>map(p -> p)
                .orElseGet(() -> new BuildFailedException(classic.currentStep(), error.strip(), classic.lastLines()));
    }

    /** A registry's refusal to let the daemon pull (no or wrong credentials), not a failed RUN step. */
    static boolean looksLikeRegistryAuthFailure(String error) {
        String e = error.strip().toLowerCase(Locale.ROOT);
        if (e.contains("executor failed running") || e.contains("returned a non-zero code")
                || e.contains("did not complete successfully") || e.contains("while running runtime")) {
            return false;
        }
        return e.contains("no basic auth credentials") || e.contains("failed to authorize")
                || e.contains("401 unauthorized") || e.equals("unauthorized") || e.endsWith(": unauthorized")
                || e.contains(": unauthorized:") || e.contains("authentication required");
    }

    static boolean looksLikeMissingBaseImage(String error) {
        String e = error.toLowerCase(Locale.ROOT);
        return e.contains("pull access denied") || e.contains("manifest unknown")
                || e.contains("failed to resolve source metadata") || e.contains("no such image")
                || (e.contains("manifest for ") && e.contains("not found"))
                || (e.contains("failed to create llb definition") && e.contains("not found"))
                || e.contains("repository does not exist")
                || e.contains("creating build container: initializing source"); // Buildah could not fetch a FROM image
    }

    private ContainerEngineException failureFromStatus(DockerHttpClient.Response response) throws IOException {
        String message = DaemonReplies.errorMessage(response);
        if (looksLikeMissingBaseImage(message)) {
            return new BaseImageMissingException("A base image is missing (" + message.strip()
                    + "): build or load it on the daemon, or fix the FROM line.");
        }
        return new BuildFailedException(null, "the daemon refused the build with HTTP " + response.getStatusCode()
                + " (" + message.strip() + ")", List.of());
    }

    private String queryTooLong(int length) {
        String largest = null;
        int largestLength = -1;
        for (Map.Entry<String, String> e : request.buildArgs().entrySet()) {
            if (e.getValue().length() > largestLength) {
                largest = "build argument " + e.getKey();
                largestLength = e.getValue().length();
            }
        }
        for (Map.Entry<String, String> e : request.labels().entrySet()) {
            if (e.getValue().length() > largestLength) {
                largest = "label " + e.getKey();
                largestLength = e.getValue().length();
            }
        }
        return "The build arguments and labels are too large: the Docker API takes them in the request URL, which"
                + " would be " + length + " characters long, more than the limit of " + MAX_QUERY_LENGTH
                + (largest != null ? " (the largest value is " + largest + ", " + largestLength + " characters)" : "")
                + ". Pass large values as files in the build context (COPY) instead of build arguments or labels.";
    }

    String query(String dockerfileName) {
        StringJoiner q = new StringJoiner("&");
        add(q, "version", request.builderKind().apiVersion());
        add(q, "dockerfile", dockerfileName);
        for (String t : request.tags()) {
            add(q, "t", t);
        }
        if (!request.buildArgs().isEmpty()) {
            add(q, "buildargs", json(request.buildArgs()));
        }
        if (!request.labels().isEmpty()) {
            add(q, "labels", json(request.labels()));
        }
        if (request.target() != null) {
            add(q, "target", request.target());
        }
        if (!request.cacheFrom().isEmpty() && !podman()) {
            add(q, "cachefrom", json(request.cacheFrom()));
        }
        if (podman()) {
            podmanNetwork(q);
            if (podmanStopper != null && podmanStopper.cgroupParent() != null) {
                add(q, "cgroupparent", podmanStopper.cgroupParent());
            }
        } else if (request.networkMode() != null) {
            add(q, "networkmode", request.networkMode());
        }
        if (request.platform() != null) {
            add(q, "platform", request.platform());
        }
        add(q, "pull", request.pull() ? "1" : "0");
        add(q, "nocache", request.noCache() ? "1" : "0");
        if (request.output() != null) {
            add(q, "outputs", json(List.of(Map.of("Type", request.output() instanceof BuildOutput.Tar ? "tar"
                    : "local", "Attrs", Map.of()))));
        }
        add(q, "rm", "1");
        add(q, "forcerm", "1"); // intermediate containers go even when a step fails
        return q.toString();
    }

    /**
     * Podman's compat build ignores Docker's network names and runs RUN steps in the host's network namespace unless
     * its own namespace options say otherwise: {@code none} becomes a private namespace with networking disabled
     * (only a loopback interface), {@code host} the host's namespace; {@code default} is Podman's default, the host's.
     */
    private void podmanNetwork(StringJoiner q) {
        if ("none".equals(request.networkMode())) {
            add(q, "networkmode", "NetworkDisabled");
            add(q, "nsoptions", json(List.of(Map.of("Name", "network", "Host", false, "Path", ""))));
        } else if ("host".equals(request.networkMode())) {
            add(q, "nsoptions", json(List.of(Map.of("Name", "network", "Host", true, "Path", ""))));
        }
    }

    private static void add(StringJoiner q, String name, String value) {
        q.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static String json(Object value) {
        return Json.write(value);
    }

    /** What the daemon reported: the image id, null when the build exported an output instead. */
    record Built(String imageId, int cachedSteps) {}

    /** Forwards BuildKit's console events as engine events. */
    private record BuildkitEvents(EventSink events) implements BuildkitProgress.Listener {
        @Override
        public void stepStarted(String name) {
            events.accept(new EngineEvent.StepStarted(name));
        }

        @Override
        public void stepCompleted(String name, boolean cached, Duration took) {
            events.accept(new EngineEvent.StepCompleted(name, cached, took));
        }

        @Override
        public void stepFailed(String name, String error) {
            events.accept(new EngineEvent.StepOutput(name, "ERROR: " + Printable.line(error))); // the daemon's, one line
        }

        @Override
        public void log(String stepName, int stream, String text) {
            events.accept(new EngineEvent.StepOutput(stepName, text));
        }

        @Override
        public void progress(String stepName, String id, long current, long total) {
            events.accept(new EngineEvent.Progress(stepName, id, current, total));
        }

        @Override
        public void warning(String stepName, String message) {
            events.accept(new EngineEvent.Warning(stepName + ": " + message));
        }
    }

}
