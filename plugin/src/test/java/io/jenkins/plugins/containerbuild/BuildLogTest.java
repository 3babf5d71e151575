package io.jenkins.plugins.containerbuild;

import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.log;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.msg;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.vertex;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.buildkit.BuildkitProgress;
import io.jenkins.plugins.containerbuild.engine.buildkit.StatusResponse;
import io.jenkins.plugins.containerbuild.engine.buildkit.TestProto;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build log's masking itself, "a second line of defence" (docs/credentials.md): every secret the step knows of
 * is replaced in whatever the engine reports, including a multi-line TLS key whose lines arrive as separate lines,
 * a secret that BuildKit splits across log chunks, and one that ends the stream without a line end.
 */
class BuildLogTest {

    private static final String PASSWORD = "pw-" + Fixtures.unique() + "-Zq7";
    private static String keyPem;
    private static List<String> keyBodyLines;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @BeforeAll
    static void key() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(384);
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(g.generateKeyPair().getPrivate().getEncoded());
        keyPem = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
        keyBodyLines = body.lines().toList();
        assertThat(keyBodyLines).hasSizeGreaterThan(1); // a real multi-line key
    }

    private BuildLog buildLog() {
        return new BuildLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), "containerBuild",
                List.of(PASSWORD, keyPem));
    }

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void assertNoSecret() {
        String out = written();
        assertThat(out).doesNotContain(PASSWORD);
        // no fragment of the password longer than a few characters either
        assertThat(out).doesNotContain(PASSWORD.substring(0, PASSWORD.length() - 2));
        assertThat(out).doesNotContain(PASSWORD.substring(2));
        for (String line : keyBodyLines) {
            assertThat(out).doesNotContain(line);
        }
    }

    @Test
    void aPasswordIsMaskedInEveryKindOfEvent() {
        BuildLog log = buildLog();
        log.accept(new EngineEvent.Phase("login with " + PASSWORD));
        log.accept(new EngineEvent.StepStarted("RUN echo " + PASSWORD));
        log.accept(new EngineEvent.StepOutput("RUN echo", "out:" + PASSWORD + ":" + PASSWORD));
        log.accept(new EngineEvent.StepCompleted("RUN echo " + PASSWORD, false, Duration.ofMillis(5)));
        log.accept(new EngineEvent.Progress(PASSWORD, "id", 1, 2));
        log.accept(new EngineEvent.Warning("saw " + PASSWORD));
        log.line("a line of the step's own: " + PASSWORD);

        assertNoSecret();
        // each of the seven places kept its text around the mask: masking, not dropping
        assertThat(written()).contains("login with ****", "RUN echo ****", "out:****:****", "saw ****",
                "a line of the step's own: ****");
        assertThat(written().split("\\*\\*\\*\\*", -1)).hasSize(1 + 8);
    }

    @Test
    void aMultiLineKeyInOneEventIsMaskedLineByLine() {
        BuildLog log = buildLog();
        log.accept(new EngineEvent.StepOutput("RUN cat key", keyPem));
        assertNoSecret();
        assertThat(written()).contains("****");
    }

    @Test
    void aMultiLineKeyWhoseLinesArriveOneByOneIsMasked() {
        BuildLog log = buildLog();
        for (String line : keyPem.split("\n")) {
            log.accept(new EngineEvent.StepOutput("RUN cat key", line));
        }
        // a line of a key that a RUN printed with something in front of it
        log.accept(new EngineEvent.StepOutput("RUN cat key", "> " + keyBodyLines.get(1) + " <"));
        log.line(Messages.BuildLog_Built("sha256:abc", 1)); // ordinary lines stay readable
        assertNoSecret();
        assertThat(written()).contains("> **** <", "sha256:abc");
    }

    @Test
    void aSecretSplitAcrossBuildkitLogChunksIsMasked() throws Exception {
        BuildLog log = buildLog();
        BuildkitProgress progress = forwardingTo(log);
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        feed(progress, msg().message(1, vertex("v", "[1/2] RUN cat secret", t0, null, false, null)));
        int cut = PASSWORD.length() / 2;
        feed(progress, msg().message(3, log("v", 1, "token=" + PASSWORD.substring(0, cut))));
        feed(progress, msg().message(3, log("v", 1, PASSWORD.substring(cut) + " end\n")));
        // the key, cut in the middle of its base64 lines and of its line ends
        int third = keyPem.length() / 3;
        feed(progress, msg().message(3, log("v", 1, keyPem.substring(0, third))));
        feed(progress, msg().message(3, log("v", 1, keyPem.substring(third, 2 * third))));
        feed(progress, msg().message(3, log("v", 1, keyPem.substring(2 * third))));
        assertNoSecret();
        assertThat(written()).contains("token=**** end");
    }

    @Test
    void aSecretThatEndsTheStreamWithoutALineEndIsMasked() throws Exception {
        BuildLog log = buildLog();
        BuildkitProgress progress = forwardingTo(log);
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        feed(progress, msg().message(1, vertex("v", "[1/2] RUN printf secret", t0, null, false, null)));
        feed(progress, msg().message(3, log("v", 1, "last:" + PASSWORD.substring(0, 4))));
        feed(progress, msg().message(3, log("v", 1, PASSWORD.substring(4))));
        // the step ends: its unterminated last line is reported now
        feed(progress, msg().message(1, vertex("v", "[1/2] RUN printf secret", t0, t0.plusSeconds(1), false, null)));
        assertNoSecret();
        assertThat(written()).contains("last:****");
    }

    /** What BuildImageStep does with BuildKit's progress: each whole line becomes a StepOutput event. */
    private static BuildkitProgress forwardingTo(BuildLog log) {
        List<String> started = new ArrayList<>();
        return new BuildkitProgress(new BuildkitProgress.Listener() {
            @Override
            public void stepStarted(String name) {
                started.add(name);
                log.accept(new EngineEvent.StepStarted(name));
            }

            @Override
            public void log(String stepName, int stream, String text) {
                log.accept(new EngineEvent.StepOutput(stepName, text));
            }
        });
    }

    private static void feed(BuildkitProgress progress, TestProto m) throws Exception {
        progress.accept(StatusResponse.parse(m.toBytes()));
    }
}
