package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Pushes one tag through the daemon with {@code X-Registry-Auth} and returns the digest from the daemon's reply:
 * from its {@code aux} object (Engine 20.10, and 26.1 with the classic image store) or else from its final status
 * line {@code TAG: digest: sha256:... size: N} (the containerd image store and Podman send no {@code aux}).
 * Transient registry failures (5xx, connection reset, timeouts) are retried with exponential backoff; refused
 * credentials and unknown repositories are not. The whole push of the tag, retries included, must end within the
 * request's timeout; when it does not, the stream is closed, which stops the push on the daemon.
 */
final class PushImageStep {


    private final DaemonConnection daemon;
    private final String reference;
    private final RegistryCredentials credentials;
    private final int retries;
    private final Duration initialBackoff;
    private final Duration timeout;
    private final EventSink events;

    PushImageStep(DaemonConnection daemon, String reference, PushRequest request, EventSink events) {
        this.daemon = daemon;
        this.reference = reference;
        this.credentials = request.credentials();
        this.retries = request.retries();
        this.initialBackoff = request.initialBackoff();
        this.timeout = request.timeout();
        this.events = events;
    }

    PushResult.PushedTag call() throws ContainerEngineException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration backoff = initialBackoff;
        for (int attempt = 0; ; attempt++) {
            try {
                return attempt(Duration.ofNanos(deadline - System.nanoTime()));
            } catch (TimeoutException e) {
                throw timedOut(null);
            } catch (TransientPushFailure e) {
                if (attempt >= retries) {
                    throw new RegistryUnavailableException("Registry " + registry() + " did not take the push of "
                            + reference + " after " + (attempt + 1) + " attempt(s) (" + e.getMessage()
                            + "): check that the registry is up and that the daemon can reach it, and try again later.", e);
                }
                if (System.nanoTime() + backoff.toNanos() >= deadline) {
                    throw timedOut(e);
                }
                events.accept(new EngineEvent.Warning("Push of " + reference + " failed (" + e.getMessage()
                        + "); retry " + (attempt + 1) + " of " + retries + " in " + backoff.toMillis() + " ms"));
                Thread.sleep(backoff.toMillis()); // backoff between attempts; interruptible
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private RegistryTimeoutException timedOut(TransientPushFailure last) {
        return new RegistryTimeoutException("The push of " + reference + " to registry " + registry()
                + " timed out: it did not finish within " + describe(timeout)
                + (last != null ? " (last failure: " + last.getMessage() + ")" : "")
                + "; the push was cancelled on the daemon. Check that the registry and the network to it are healthy,"
                + " or give the push a longer timeout.", last);
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private String registry() {
        return ImageReference.parse(reference).registryHost();
    }

    private PushResult.PushedTag attempt(Duration limit)
            throws ContainerEngineException, InterruptedException, TimeoutException {
        if (limit.isNegative() || limit.isZero()) {
            throw new TimeoutException();
        }
        ImageReference ref = ImageReference.parse(reference);
        String path = daemon.path("/images/" + ref.nameWithoutTag() + "/push?tag="
                + URLEncoder.encode(ref.tagOrLatest(), StandardCharsets.UTF_8)
                + (plainHttpAllowed(ref) ? "&tlsVerify=false" : ""));
        DockerHttpClient.Request http = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path(path)
                .putHeader("X-Registry-Auth", registryAuth(ref))
                .build();
        events.accept(new EngineEvent.Phase("Pushing " + reference));
        AbortableCall call = new AbortableCall();
        return call.run("containerbuild-push", limit, () -> {
            try (DockerHttpClient.Response response = daemon.stream(http)) {
                call.closeOnAbort(response);
                return follow(response);
            } catch (RuntimeException e) {
                if (call.aborted()) {
                    throw new InterruptedException("push aborted");
                }
                throw DaemonConnection.classify(e, daemon.endpoint());
            }
        });
    }

    /**
     * Podman verifies TLS for every registry unless told otherwise; Docker Engine reaches loopback registries over
     * plain HTTP by default. For the same behaviour Podman gets {@code tlsVerify=false} for those registries, and
     * for no other (which also lets it fall back to plain HTTP there).
     */
    private boolean plainHttpAllowed(ImageReference ref) {
        return daemon.product().podman() && RegistryHost.isLoopback(ref.registryHost());
    }

    private String registryAuth(ImageReference ref) {
        return RegistryAuthHeaders.registryAuth(ref.registryHost(), credentials);
    }

    private PushResult.PushedTag follow(DockerHttpClient.Response response)
            throws ContainerEngineException, IOException {
        if (response.getStatusCode() == 404) {
            throw new RegistryNotFoundException("Image " + reference + " is not on the daemon " + daemon.endpoint()
                    + ": build or tag it there before pushing.");
        }
        if (response.getStatusCode() != 200) {
            throw classify(DaemonReplies.errorMessage(response));
        }
        Map<String, String> lastStatus = new HashMap<>();
        String digest = null;
        long size = 0;
        String tag = ImageReference.parse(reference).tagOrLatest();
        try (Json.Values lines = Json.values(response.getBody())) {
            while (lines.hasNext()) {
                JsonNode line = lines.next();
                String error = DaemonReplies.streamError(line);
                if (error != null) {
                    throw classify(error);
                }
                JsonNode aux = line.get("aux");
                if (aux != null && aux.hasNonNull("Digest")) {
                    digest = Printable.line(aux.get("Digest").asText()); // printed in logs and results
                    size = aux.path("Size").asLong();
                    continue;
                }
                String id = line.path("id").asText("");
                String status = line.path("status").asText("");
                if (status.isEmpty()) {
                    continue;
                }
                DigestLine summary = DigestLine.parse(status);
                if (summary != null && summary.tag().equals(tag)) {
                    if (digest == null) { // an aux object, when there is one, says the same: keep the first
                        digest = summary.digest();
                        size = summary.size();
                    }
                    continue;
                }
                // one event per change of a layer's status: "Pushing" with a byte count repeats too often to print
                if (!status.equals(lastStatus.put(id, status))) {
                    JsonNode p = line.path("progressDetail");
                    events.accept(new EngineEvent.Progress(id.isEmpty() ? reference : id, status,
                            p.path("current").asLong(), p.path("total").asLong()));
                }
            }
        } catch (IOException e) {
            if (digest == null) {
                throw new TransientPushFailure("the push stream broke: " + e.getMessage(), e);
            }
            // the registry has the manifest: a broken stream after the digest is no reason to push again
        }
        if (digest == null) {
            // no error, no digest: the push may well have worked, so another attempt is no answer
            throw new ContainerEngineException("The daemon " + daemon.endpoint() + " finished the push of " + reference
                    + " without saying its digest (neither an aux object nor a \"" + tag + ": digest: ...\" line):"
                    + " check the image in the registry, and report the daemon's version to the plugin's maintainers.");
        }
        events.accept(new EngineEvent.Phase("Pushed " + reference + " " + digest));
        return new PushResult.PushedTag(reference, digest, size);
    }

    private ContainerEngineException classify(String message) {
        String registry = ImageReference.parse(reference).registryHost();
        return switch (kindOf(message)) {
            case AUTH -> new RegistryAuthException("Registry " + registry + " refused the push of " + reference + " ("
                    + message.strip() + "): give credentials that may push to this repository.");
            case NOT_ON_DAEMON -> new RegistryNotFoundException("Image " + reference + " is not on the daemon "
                    + daemon.endpoint() + ": build or tag it there before pushing.");
            case LAYER_NOT_ON_DAEMON -> new ContainerEngineException("The daemon " + daemon.endpoint()
                    + " has image " + reference + " but not the content of one of its layers (" + message.strip()
                    + "), as the containerd image store leaves a base image pulled onto layers it already had: build"
                    + " the image with BuildKit, which writes that layer anew, and push again.");
            case NOT_ON_REGISTRY -> new RegistryNotFoundException("Registry " + registry
                    + " does not know the repository of " + reference + " (" + message.strip()
                    + "): check the registry address and repository name.");
            case TRANSIENT -> new TransientPushFailure(message.strip(), null);
            case OTHER -> new ContainerEngineException("Push of " + reference + " failed (" + message.strip()
                    + "): check the registry address and the daemon's access to it.");
        };
    }

    /**
     * The daemon's last status line of a push, {@code TAG: digest: sha256:HEX size: N}: the only place the digest
     * appears with the containerd image store.
     */
    record DigestLine(String tag, String digest, long size) {
        private static final Pattern LINE =
                Pattern.compile("(\\S+): digest: (sha256:[0-9a-f]{64}) size: (\\d{1,18})");

        static DigestLine parse(String status) {
            var m = LINE.matcher(status.strip());
            return m.matches() ? new DigestLine(m.group(1), m.group(2), Long.parseLong(m.group(3))) : null;
        }
    }

    /** What a push error of the daemon means. */
    enum Kind { AUTH, NOT_ON_DAEMON, LAYER_NOT_ON_DAEMON, NOT_ON_REGISTRY, TRANSIENT, OTHER }

    /** The quoted URLs of Go's errors ({@code Put "http://host:port/v2/...": EOF}): addresses and names, not causes. */
    private static final Pattern QUOTED_URL = Pattern.compile("\"[a-z]+://[^\"]*\"");
    /** containerd's errors (the containerd image store) name URLs without quotes: {@code PUT request to http://...: 503}. */
    private static final Pattern BARE_URL = Pattern.compile("[a-z]+://[^\\s\"]+?(?=:?(\\s|$))");
    private static final Pattern SERVER_ERROR_STATUS = Pattern.compile("status[^\"]*?(?<![\\w:.>-])5\\d\\d(?![\\w.:])");
    /** An HTTP status code, not digits of a port, an address or a digest. */
    private static final Pattern AUTH_STATUS = Pattern.compile("(?<![\\w:.>-])40[13](?![\\w.:])");
    private static final Pattern NOT_FOUND_STATUS = Pattern.compile("(?<![\\w:.>-])404(?![\\w.:])");

    /**
     * Classifies the daemon's error by its words only: the URLs in it carry host names, ports and repository names
     * (a port such as 44017 or a repository called "denied" must not read as a refusal).
     */
    static Kind kindOf(String message) {
        String m = QUOTED_URL.matcher(message.toLowerCase(Locale.ROOT)).replaceAll("\"url\"");
        m = BARE_URL.matcher(m).replaceAll("url");
        if (m.contains("no basic auth credentials") || m.contains("unauthorized") || m.contains("authentication required")
                || m.contains("denied:") || m.contains("access to the resource is denied")
                || AUTH_STATUS.matcher(m).find()) {
            return Kind.AUTH;
        }
        // "tag does not exist: REF": Engine 26.1 with the containerd image store
        if (m.contains("does not exist locally") || m.contains("no such image") || m.contains("tag does not exist")) {
            return Kind.NOT_ON_DAEMON;
        }
        // "content digest sha256:...: not found": the containerd image store has the image but not a layer's blob
        if (m.contains("content digest sha256:") && m.contains("not found")) {
            return Kind.LAYER_NOT_ON_DAEMON;
        }
        if (m.contains("name unknown") || m.contains("not found") || NOT_FOUND_STATUS.matcher(m).find()) {
            return Kind.NOT_ON_REGISTRY;
        }
        if (m.contains("unexpected http status: 5") || SERVER_ERROR_STATUS.matcher(m).find()
                || m.contains("connection reset") || m.contains("connection refused")
                || m.contains("timeout") || m.contains("eof") || m.contains("broken pipe")) {
            return Kind.TRANSIENT;
        }
        return Kind.OTHER;
    }

    /** A failure worth another attempt. */
    static final class TransientPushFailure extends ContainerEngineException {
        private static final long serialVersionUID = 1L;

        TransientPushFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
