package io.jenkins.plugins.containerbuild.engine.buildkit;

import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.log;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.msg;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.vertex;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildkitProgressTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
    private static final Instant T1 = T0.plusMillis(1500);

    private final List<String> events = new ArrayList<>();
    private final BuildkitProgress progress = new BuildkitProgress(new BuildkitProgress.Listener() {
        @Override
        public void stepStarted(String name) {
            events.add("start " + name);
        }

        @Override
        public void stepCompleted(String name, boolean cached, Duration took) {
            events.add("done " + name + (cached ? " CACHED" : "") + " " + took.toMillis() + "ms");
        }

        @Override
        public void stepFailed(String name, String error) {
            events.add("fail " + name + ": " + error);
        }

        @Override
        public void log(String stepName, int stream, String text) {
            events.add("log " + stepName + " " + stream + " " + text);
        }

        @Override
        public void progress(String stepName, String id, long current, long total) {
            events.add("progress " + stepName + " " + id + " " + current + "/" + total);
        }

        @Override
        public void warning(String stepName, String message) {
            events.add("warn " + stepName + " " + message);
        }
    });

    private void feed(TestProto response) throws MalformedProtobufException {
        progress.accept(StatusResponse.parse(response.toBytes()));
    }

    @Test
    void reportsStartAndCompletionOnceDespiteResends() throws Exception {
        feed(msg().message(1, vertex("d1", "[1/2] FROM busybox", null, null, false, null)));
        assertThat(events).isEmpty();
        feed(msg().message(1, vertex("d1", "[1/2] FROM busybox", T0, null, false, null)));
        feed(msg().message(1, vertex("d1", "[1/2] FROM busybox", T0, null, false, null)));
        feed(msg().message(1, vertex("d1", "[1/2] FROM busybox", T0, T1, false, null)));
        feed(msg().message(1, vertex("d1", "[1/2] FROM busybox", T0, T1, false, null)));
        assertThat(events).containsExactly("start [1/2] FROM busybox", "done [1/2] FROM busybox 1500ms");
        assertThat(progress.stepNames()).containsExactly("[1/2] FROM busybox");
        assertThat(progress.failure()).isEmpty();
    }

    @Test
    void countsCachedSteps() throws Exception {
        feed(msg().message(1, vertex("a", "[1/3] FROM x", T0, T0, true, null))
                .message(1, vertex("b", "[2/3] RUN one", T0, T0, true, null)));
        feed(msg().message(1, vertex("b", "[2/3] RUN one", T0, T0, true, null)));
        feed(msg().message(1, vertex("c", "[3/3] RUN two", T0, T1, false, null)));
        feed(msg().message(1, vertex("i", "[internal] load metadata for docker.io/library/x", T0, T0, true, null))
                .message(1, vertex("j", "copy /context /", T0, T0, true, null))
                .message(1, vertex("k", "[stage 2/2] COPY a b", T0, T0, true, null)));
        assertThat(progress.cachedSteps()).as("neither FROM nor BuildKit's own vertices are build steps").isEqualTo(2);
        assertThat(progress.stepNames()).containsExactly("[1/3] FROM x", "[2/3] RUN one", "[3/3] RUN two",
                "[internal] load metadata for docker.io/library/x", "copy /context /", "[stage 2/2] COPY a b");
        assertThat(events).contains("done [2/3] RUN one CACHED 0ms", "done [3/3] RUN two 1500ms");
    }

    @Test
    void completionWithoutSeparateStartStillReportsStartFirst() throws Exception {
        feed(msg().message(1, vertex("a", "[internal] load metadata", null, T1, false, null)));
        assertThat(events).containsExactly("start [internal] load metadata", "done [internal] load metadata 0ms");
    }

    @Test
    void joinsLinesSplitAcrossChunksPerStream() throws Exception {
        feed(msg().message(1, vertex("r", "[2/2] RUN make", T0, null, false, null)));
        feed(msg().message(3, log("r", 1, "hel")).message(3, log("r", 2, "err")));
        feed(msg().message(3, log("r", 1, "lo\r\nwor")));
        feed(msg().message(3, log("r", 2, "or 1\n")).message(3, log("r", 1, "ld\n\nlast")));
        feed(msg().message(1, vertex("r", "[2/2] RUN make", T0, T1, false, null)));
        assertThat(events).containsExactly(
                "start [2/2] RUN make",
                "log [2/2] RUN make 1 hello",
                "log [2/2] RUN make 2 error 1",
                "log [2/2] RUN make 1 world",
                "log [2/2] RUN make 1 ",
                "log [2/2] RUN make 1 last",
                "done [2/2] RUN make 1500ms");
    }

    @Test
    void multiByteCharacterSplitAcrossChunks() throws Exception {
        byte[] text = "naïve ☃\n".getBytes(StandardCharsets.UTF_8);
        int cut = 3; // inside 'ï'
        feed(msg().message(3, msg().string(1, "r").varint(3, 1).bytes(4, Arrays.copyOfRange(text, 0, cut))));
        feed(msg().message(3, msg().string(1, "r").varint(3, 1).bytes(4, Arrays.copyOfRange(text, cut, text.length))));
        assertThat(events).containsExactly("log r 1 naïve ☃");
    }

    @Test
    void logsInSameResponseAsCompletionComeFirst() throws Exception {
        feed(msg().message(1, vertex("r", "step", T0, T1, false, null)).message(3, log("r", 1, "output")));
        assertThat(events).containsExactly("start step", "log step 1 output", "done step 1500ms");
    }

    @Test
    void finishFlushesUnterminatedLines() throws Exception {
        feed(msg().message(3, log("r", 1, "partial")));
        assertThat(events).isEmpty();
        progress.finish();
        progress.finish();
        assertThat(events).containsExactly("log r 1 partial");
    }

    @Test
    void veryLongLineIsCutInsteadOfBufferedForever() throws Exception {
        String big = "x".repeat(BuildkitProgress.MAX_PARTIAL_LINE + 10);
        feed(msg().message(3, log("r", 1, big)));
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).hasSize("log r 1 ".length() + BuildkitProgress.MAX_PARTIAL_LINE);
    }

    @Test
    void failureReportsStepErrorAndLastLines() throws Exception {
        feed(msg().message(1, vertex("ok", "[1/2] FROM busybox", T0, T0, true, null))
                .message(1, vertex("bad", "[2/2] RUN ./build.sh", T0, null, false, null)));
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= 25; i++) {
            out.append("line ").append(i).append('\n');
        }
        feed(msg().message(3, log("bad", 1, out.toString())).message(3, log("bad", 2, "fatal: no")));
        feed(msg().message(1, vertex("bad", "[2/2] RUN ./build.sh", T0, T1, false,
                "process \"/bin/sh -c ./build.sh\" did not complete successfully: exit code: 1")));
        feed(msg().message(1, vertex("bad", "[2/2] RUN ./build.sh", T0, T1, false, "again")));

        BuildkitProgress.FailedStep f = progress.failure().orElseThrow();
        assertThat(f.name()).isEqualTo("[2/2] RUN ./build.sh");
        assertThat(f.error()).contains("exit code: 1");
        assertThat(f.lastLines()).hasSize(20).startsWith("line 7").endsWith("line 25", "fatal: no");
        assertThat(events).filteredOn(e -> e.startsWith("fail ")).hasSize(1);
        assertThat(events.get(events.size() - 1)).startsWith("fail [2/2] RUN ./build.sh: process");
        assertThat(progress.lastLines("[2/2] RUN ./build.sh")).isEqualTo(f.lastLines());
        assertThat(progress.cachedSteps()).as("a cached FROM is not a cached build step").isZero();
    }

    @Test
    void realErrorIsPreferredOverCancellation() throws Exception {
        feed(msg().message(1, vertex("a", "[stage-a 2/2] RUN sleep 10", T0, T1, false, "context canceled")));
        feed(msg().message(1, vertex("b", "[stage-b 2/2] RUN false", T0, T1, false, "exit code: 1")));
        feed(msg().message(1, vertex("c", "[stage-c 2/2] RUN sleep 5", T0, T1, false, "context canceled")));
        assertThat(progress.failure()).map(BuildkitProgress.FailedStep::name).contains("[stage-b 2/2] RUN false");
    }

    @Test
    void progressAndWarningsAreDeduplicated() throws Exception {
        feed(msg().message(1, vertex("p", "[1/1] FROM img", T0, null, false, null)));
        TestProto status = msg().string(1, "sha256:layer").string(2, "p").varint(4, 10).varint(5, 100);
        feed(msg().message(2, status));
        feed(msg().message(2, status));
        feed(msg().message(2, msg().string(1, "sha256:layer").string(2, "p").varint(4, 100).varint(5, 100)));
        TestProto warning = msg().string(1, "p").varint(2, 1).bytes(3, "FromAsCasing: 'as' and 'FROM' differ".getBytes())
                .string(5, "https://docs.docker.com/go/dockerfile/rule/from-as-casing/");
        feed(msg().message(4, warning));
        feed(msg().message(4, warning));
        assertThat(events).containsExactly(
                "start [1/1] FROM img",
                "progress [1/1] FROM img sha256:layer 10/100",
                "progress [1/1] FROM img sha256:layer 100/100",
                "warn [1/1] FROM img FromAsCasing: 'as' and 'FROM' differ (https://docs.docker.com/go/dockerfile/rule/from-as-casing/)");
    }

    @Test
    void acceptAuxDecodesBase64() throws Exception {
        byte[] bytes = msg().message(1, vertex("d", "[1/1] FROM x", T0, null, false, null)).toBytes();
        progress.acceptAux(java.util.Base64.getEncoder().encodeToString(bytes));
        assertThat(events).containsExactly("start [1/1] FROM x");
    }
}
