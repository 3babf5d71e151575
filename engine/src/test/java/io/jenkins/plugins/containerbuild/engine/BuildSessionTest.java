package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * BuildKit builds serve the context through a BuildKit session: the daemon asks only for what changed since the last
 * build of the same directory, so a rebuild sends nothing and an edit sends just the edited file, while the image
 * still gets every file.
 */
class BuildSessionTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore")
    void aRebuildSendsOnlyWhatChanged(Lab.Daemon daemon, @TempDir Path ctx) throws Exception {
        byte[] big = new byte[8 * 1024 * 1024];
        new Random(42).nextBytes(big);
        Files.write(ctx.resolve("big.bin"), big);
        Files.createDirectories(ctx.resolve("src"));
        String nonce = Long.toHexString(System.nanoTime()); // no step of this test may come from an earlier run's cache
        Files.writeString(ctx.resolve("src/app.txt"), "version 1 " + nonce + "\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.baseImage()
                + "\nCOPY . /ctx/\nRUN cat /ctx/src/app.txt && wc -c /ctx/big.bin\n");
        String tag = "localhost/cb-session-" + ProcessHandle.current().pid() + ":1";
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            BuildRequest request = BuildRequest.builder(ctx).networkMode("none").tag(tag).build();

            RecordingSink first = new RecordingSink();
            BuildResult built = build(daemon, request, first);
            assertThat(sent(first)).as("the first build sends every file")
                    .isGreaterThanOrEqualTo(big.length + Files.size(ctx.resolve("Dockerfile")));
            assertThat(first.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o
                    && o.line().contains("version 1"));

            // BuildKit 0.13's Dockerfile frontend asks for the Dockerfile without comparing it (no diff): it comes
            // whole every time; BuildKit 0.8 compared it like any other file
            long dockerfileEachTime = daemon.engine26() ? Files.size(ctx.resolve("Dockerfile")) : 0;
            RecordingSink second = new RecordingSink();
            BuildResult again = build(daemon, request, second);
            assertThat(sent(second)).as("a rebuild of the same tree sends nothing (but the Dockerfile on 26.1)")
                    .isEqualTo(dockerfileEachTime);
            assertThat(again.imageId()).isEqualTo(built.imageId());
            assertThat(again.cachedSteps()).isEqualTo(2);

            String edit = "version 2! " + nonce + "\n";
            Files.writeString(ctx.resolve("src/app.txt"), edit);
            RecordingSink third = new RecordingSink();
            BuildResult edited = build(daemon, request, third);
            assertThat(sent(third)).as("an edit sends the edited file only (and the Dockerfile on 26.1)")
                    .isEqualTo(edit.length() + dockerfileEachTime);
            assertThat(third.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o
                    && o.line().contains("version 2!"));
            assertThat(third.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o
                    && o.line().contains(big.length + " /ctx/big.bin"));
            assertThat(edited.imageId()).isNotEqualTo(built.imageId());
            assertThat(third.events).noneMatch(e -> e instanceof EngineEvent.Warning);
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }

    private static BuildResult build(Lab.Daemon daemon, BuildRequest request, RecordingSink events) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            return engine.build(request);
        }
    }

    private static long sent(RecordingSink events) {
        return events.events.stream()
                .filter(e -> e instanceof EngineEvent.Progress p && p.subject().equals("build context")
                        && p.status().equals("Sent"))
                .mapToLong(e -> ((EngineEvent.Progress) e).current()).max().orElse(-1);
    }
}
