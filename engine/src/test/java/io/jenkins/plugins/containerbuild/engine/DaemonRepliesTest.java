package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonRepliesTest {

    private static DockerHttpClient.Response reply(String body) {
        return new DockerHttpClient.Response() {
            @Override
            public int getStatusCode() {
                return 500;
            }

            @Override
            public Map<String, List<String>> getHeaders() {
                return Map.of();
            }

            @Override
            public InputStream getBody() {
                return new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void errorReplyGivesItsMessageOrItsText() throws Exception {
        assertThat(DaemonReplies.errorMessage(reply("{\"message\":\"no such image\"}"))).isEqualTo("no such image");
        assertThat(DaemonReplies.errorMessage(reply("<html>502 Bad Gateway</html>"))).isEqualTo("<html>502 Bad Gateway</html>");
    }

    @Test
    void streamLinesReportTheirErrorOnly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(DaemonReplies.streamError(json.readTree("{\"status\":\"Pushing\"}"))).isNull();
        assertThat(DaemonReplies.streamError(json.readTree("{\"errorDetail\":{\"message\":\"denied\"},\"error\":\"x\"}")))
                .isEqualTo("denied");
        assertThat(DaemonReplies.streamError(json.readTree("{\"error\":\"only this\"}"))).isEqualTo("only this");
    }
}
