package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Removes the BuildKit cache record that a build's uploaded context leaves on the daemon. The daemon serves an
 * uploaded tar to BuildKit under a fresh random URL ({@code http://build-context-ID}) and keeps a record of it, as
 * large as the context, that no later build can match (the next upload gets another URL): without this, every
 * BuildKit build would leave its whole context behind in the build cache until someone prunes it.
 *
 * <p>Only records of that kind, not in use, created since the build began are removed, one id per call (the
 * daemon accepts one value per filter key); the layers the build cached are different records and stay. A failure
 * here is a warning, never a failed build.
 */
final class ContextRecordSweeper {

    static final String CONTEXT_RECORD = "http url http://build-context-";

    private final DaemonConnection daemon;
    private final EventSink events;

    ContextRecordSweeper(DaemonConnection daemon, EventSink events) {
        this.daemon = daemon;
        this.events = events;
    }

    /** Removes the unused context records created at or after {@code since}; returns the bytes reclaimed. */
    long sweep(Instant since) {
        try {
            long reclaimed = 0;
            for (String id : records(since)) {
                reclaimed += prune(id);
            }
            return reclaimed;
        } catch (IOException | RuntimeException e) {
            events.accept(new EngineEvent.Warning("The uploaded context's record stays in the daemon's build cache ("
                    + e.getMessage() + "); docker builder prune removes it."));
            return 0;
        }
    }

    /**
     * The ids of the unused context records created since the instant given. Only the build cache is asked for
     * ({@code type=build-cache}, API 1.42; older daemons ignore it and answer everything): the whole answer sizes every
     * image too, which on the containerd image store fails (404) when an image is removed meanwhile.
     */
    List<String> records(Instant since) throws IOException {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(daemon.path("/system/df?type=build-cache"))
                .build();
        List<String> ids = new ArrayList<>();
        try (DockerHttpClient.Response r = daemon.call(req)) {
            if (r.getStatusCode() != 200) {
                throw new IOException("GET /system/df answered " + r.getStatusCode());
            }
            for (JsonNode record : Json.read(r.getBody()).path("BuildCache")) {
                if (record.path("Description").asText("").startsWith(CONTEXT_RECORD)
                        && !record.path("InUse").asBoolean(false) && createdSince(record, since)) {
                    ids.add(record.path("ID").asText());
                }
            }
        }
        return ids;
    }

    private static boolean createdSince(JsonNode record, Instant since) {
        try {
            return !Instant.parse(record.path("CreatedAt").asText("")).isBefore(since);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private long prune(String id) throws IOException {
        String filters = URLEncoder.encode(Json.write(Map.of("id", List.of(id))), StandardCharsets.UTF_8);
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST)
                .path(daemon.path("/build/prune?filters=" + filters))
                .build();
        try (DockerHttpClient.Response r = daemon.call(req)) {
            if (r.getStatusCode() != 200) {
                throw new IOException("POST /build/prune answered " + r.getStatusCode());
            }
            return Json.read(r.getBody()).path("SpaceReclaimed").asLong(0);
        }
    }
}
