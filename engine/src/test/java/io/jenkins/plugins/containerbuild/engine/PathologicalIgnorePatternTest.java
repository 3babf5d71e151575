package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 17: the {@code .dockerignore} line {@code *a*a*a*a*a*a*a*a*a*a*a*a*a*a*b} and a file named by 60 {@code a}s
 * kept the context walk at 100% CPU (still walking after 40 s with BuildKit, 20 s with the classic builder; the
 * docker CLI built it in a second). The same context, with a {@code COPY} whose source is such a glob as well, builds
 * on the lab's daemon with both builders well within the bound (a few seconds here), with the right files: the
 * pattern still excludes what it names and nothing else.
 */
class PathologicalIgnorePatternTest {

    private static final String LINE = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    /** Generous for a loaded two-core machine; the walk alone took longer than this before. */
    private static final Duration BOUND = Duration.ofSeconds(60);

    private static final String SIXTY = "a".repeat(60);
    private static final String EXCLUDED = "a".repeat(59) + "b";
    private static final String COPIED = "a".repeat(59) + "c";

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void aBacktrackingLineBuildsAtOnceWithTheRightFiles(BuilderKind kind, @TempDir Path ctx) throws Exception {
        Lab.Daemon daemon = Lab.get().engine20();
        LabSupport.context(ctx, "FROM " + Lab.get().baseImage() + "\nCOPY . /ctx/\n"
                        + "COPY " + LINE.replace('b', 'c') + " /glob/\n",
                ".dockerignore", LINE + "\n",
                SIXTY, "kept\n",
                EXCLUDED, "left out\n",
                COPIED, "copied twice\n",
                "keep.txt", "kept\n");
        String tag = LabSupport.unique("it/pathological-ignore-" + kind).toLowerCase();
        try {
            long start = System.nanoTime();
            assertTimeoutPreemptively(BOUND, () -> {
                try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                    engine.build(BuildRequest.builder(ctx).tag(tag).networkMode("none").noCache(true)
                            .builderKind(kind).build());
                }
            }, () -> "the " + kind + " build with the .dockerignore line " + LINE + " took longer than " + BOUND);
            System.out.printf("%s build with %s: %d ms%n", kind, LINE, (System.nanoTime() - start) / 1_000_000);

            String ctxFiles = daemon.docker("run", "--rm", "--network", "none", tag, "ls", "-a", "/ctx");
            assertThat(ctxFiles.lines()).as("/ctx of the image")
                    .contains(SIXTY, COPIED, "keep.txt", "Dockerfile")
                    .doesNotContain(EXCLUDED);
            String globFiles = daemon.docker("run", "--rm", "--network", "none", tag, "ls", "-a", "/glob");
            assertThat(globFiles.lines()).as("/glob of the image: what COPY " + LINE.replace('b', 'c') + " took")
                    .contains(COPIED)
                    .doesNotContain(SIXTY, EXCLUDED, "keep.txt");
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }
}
