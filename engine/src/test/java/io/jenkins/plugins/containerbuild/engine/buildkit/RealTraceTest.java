package io.jenkins.plugins.containerbuild.engine.buildkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replays {@code POST /v1.41/build?version=2} output captured from Docker Engine 20.10.24 (files under
 * {@code src/test/resources/buildkit/}, the daemon's JSON lines verbatim).
 */
class RealTraceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> events = new ArrayList<>();
    private final BuildkitProgress progress = new BuildkitProgress(new BuildkitProgress.Listener() {
        @Override
        public void stepStarted(String name) {
            events.add("start " + name);
        }

        @Override
        public void stepCompleted(String name, boolean cached, Duration took) {
            events.add("done " + name + (cached ? " CACHED" : ""));
        }

        @Override
        public void stepFailed(String name, String error) {
            events.add("fail " + name + ": " + error);
        }

        @Override
        public void log(String stepName, int stream, String text) {
            events.add("log " + stepName + " " + stream + " " + text);
        }
    });

    private int replay(String resource) throws Exception {
        int traces = 0;
        try (InputStream in = getClass().getResourceAsStream("/buildkit/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                JsonNode node = JSON.readTree(line);
                if ("moby.buildkit.trace".equals(node.path("id").asText())) {
                    progress.acceptAux(node.get("aux").asText());
                    traces++;
                }
            }
        }
        progress.finish();
        return traces;
    }

    @Test
    void successfulBuild() throws Exception {
        assertThat(replay("build-echo-hello.jsonl")).isEqualTo(16);
        assertThat(events).containsSubsequence(
                "start [1/2] FROM docker.io/library/busybox:local",
                "done [1/2] FROM docker.io/library/busybox:local CACHED",
                "start [2/2] RUN echo hello",
                "log [2/2] RUN echo hello 1 hello",
                "done [2/2] RUN echo hello",
                "start exporting to image",
                "done exporting to image");
        assertThat(events).doesNotHaveDuplicates();
        assertThat(progress.stepNames()).containsExactly(
                "[internal] load remote build context",
                "copy /context /",
                "[internal] load metadata for docker.io/library/busybox:local",
                "[1/2] FROM docker.io/library/busybox:local",
                "[2/2] RUN echo hello",
                "exporting to image");
        assertThat(progress.failure()).isEmpty();
        assertThat(progress.cachedSteps()).as("only the FROM of a local image came from the cache").isZero();
    }

    @Test
    void failingBuild() throws Exception {
        replay("build-failing-run.jsonl");
        String step = "[2/2] RUN echo first; echo -n partial; echo ' line' 1>&2; exit 3";
        BuildkitProgress.FailedStep failure = progress.failure().orElseThrow();
        assertThat(failure.name()).isEqualTo(step);
        assertThat(failure.error()).contains("exit code: 3");
        assertThat(failure.lastLines()).containsExactlyInAnyOrder("first", " line", "partial");
        assertThat(events).containsSubsequence("start " + step, "log " + step + " 1 first", "fail " + step + ": "
                + failure.error());
        assertThat(events).doesNotHaveDuplicates();
    }
}
