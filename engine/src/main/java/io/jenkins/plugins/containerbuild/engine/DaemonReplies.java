package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the two shapes of error the daemon sends: an error reply, and an error line inside a progress stream. Both
 * come back as one printable line ({@link Printable#line}): they often quote a registry, and are printed in messages.
 */
final class DaemonReplies {

    private static final int MAX_ERROR_BODY = 64 * 1024;

    private DaemonReplies() {}

    /** The {@code message} of an error reply, or its text when it is not JSON (a proxy's page, say). */
    static String errorMessage(DockerHttpClient.Response response) throws IOException {
        byte[] raw = response.getBody().readNBytes(MAX_ERROR_BODY);
        String text = new String(raw, StandardCharsets.UTF_8);
        try {
            return Printable.line(Json.read(raw).path("message").asText(text));
        } catch (IOException notJson) {
            return Printable.line(text);
        }
    }

    /** The error a stream line reports, or null when the line is no error. */
    static String streamError(JsonNode line) {
        if (!line.hasNonNull("error") && !line.hasNonNull("errorDetail")) {
            return null;
        }
        return Printable.line(line.path("errorDetail").path("message").asText(line.path("error").asText()));
    }
}
