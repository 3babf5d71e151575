package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads the two shapes of error the daemon sends: an error reply, and an error line inside a progress stream. */
final class DaemonReplies {

    private static final int MAX_ERROR_BODY = 64 * 1024;

    private DaemonReplies() {}

    /** The {@code message} of an error reply, or its text when it is not JSON (a proxy's page, say). */
    static String errorMessage(DockerHttpClient.Response response) throws IOException {
        byte[] raw = response.getBody().readNBytes(MAX_ERROR_BODY);
        String text = new String(raw, StandardCharsets.UTF_8);
        try {
            return Json.read(raw).path("message").asText(text);
        } catch (IOException notJson) {
            return text;
        }
    }

    /** The error a stream line reports, or null when the line is no error. */
    static String streamError(JsonNode line) {
        if (!line.hasNonNull("error") && !line.hasNonNull("errorDetail")) {
            return null;
        }
        return line.path("errorDetail").path("message").asText(line.path("error").asText());
    }
}
