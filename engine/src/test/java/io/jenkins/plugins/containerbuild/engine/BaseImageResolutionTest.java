package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where a build with pull off looks for its base image. Engine 20.10 and the classic store look in the local store
 * first; the containerd store's BuildKit (0.13) asks the image's registry first and falls back to the local store
 * only when that fails, so {@code FROM busybox:local} would look up registry-1.docker.io on every build. The lab's
 * builds on that daemon therefore name their base after the plain loopback registry ({@link Lab.Daemon#baseImage()}),
 * which answers: no failed request, nothing outside loopback. Seen in the daemon's own log, and in the registry's.
 * (The containerd store's BuildKit is never given a name it would look up outside: the control below uses a loopback
 * port where nothing listens.)
 */
class BaseImageResolutionTest {

    private final Lab lab = Lab.get();

    /**
     * A local-only image named after a loopback port where no registry listens: every daemon builds it from the
     * local store, and the daemon's log shows whether it asked that registry first (only the containerd store's
     * BuildKit does). This is what the next test relies on to see a failed registry request.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreWithBuilders")
    void withPullOffOnlyTheContainerdStoresBuildKitAsksTheRegistryFirst(Lab.Daemon daemon, BuilderKind kind,
                                                                        @TempDir Path dir) throws Exception {
        String repo = LabSupport.unique("cb-resolve");
        String local = "127.0.0.1:1/" + repo + ":1";
        daemon.docker("tag", daemon.baseImage(), local);
        try {
            long logBefore = Files.size(daemon.log());
            LabSupport.context(dir, "FROM " + local + "\nRUN echo " + LabSupport.unique("resolved") + "\n");
            try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
                BuildResult built = engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build());
                engine.remove(built.imageId());
            }
            List<String> asked = logSince(daemon.log(), logBefore).stream().filter(l -> l.contains("/v2/" + repo + "/"))
                    .toList();
            if (daemon.containerdStore() && kind == BuilderKind.BUILDKIT) {
                assertThat(asked).as("BuildKit asked 127.0.0.1:1 first, failed, and built from the local store")
                        .isNotEmpty().allMatch(l -> l.contains("connection refused"));
            } else {
                assertThat(asked).as("the local store was enough").isEmpty();
            }
        } finally {
            daemon.tryRun("rmi", local);
        }
    }

    /**
     * The lab's base image on the containerd store, for both builders: no failed registry request for it in the
     * daemon's log; for BuildKit, a lookup the loopback registry answered (its own log says so), and no blob fetched.
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void onTheContainerdStoreTheLabsBaseImageNeedsNothingBeyondLoopback(BuilderKind kind, @TempDir Path dir)
            throws Exception {
        Lab.Daemon daemon = lab.engine26Containerd();
        String base = daemon.baseImage();
        assertThat(base).startsWith(lab.plainRegistry() + "/");
        String repo = base.substring(base.indexOf('/') + 1, base.lastIndexOf(':'));
        Path registryLog = Path.of(lab.fact("LAB_DIR"), "registry-plain", "log");
        long logBefore = Files.size(daemon.log());
        long registryBefore = Files.size(registryLog);
        LabSupport.context(dir, "FROM " + base + "\nRUN echo " + LabSupport.unique("resolved") + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            BuildResult built = engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build());
            engine.remove(built.imageId());
        }
        assertThat(logSince(daemon.log(), logBefore)).as("no failed registry request for %s, none to Docker Hub", base)
                .noneMatch(l -> l.contains("/v2/" + repo + "/") || l.contains("registry-1.docker.io"));
        if (kind == BuilderKind.BUILDKIT) {
            List<String> answered = logSince(registryLog, registryBefore).stream()
                    .filter(l -> l.contains(" /v2/" + repo + "/") && l.contains("buildkit")).toList();
            assertThat(answered).as("the loopback registry answered BuildKit's lookup")
                    .anyMatch(l -> l.contains("\"HEAD /v2/" + repo + "/manifests/") && l.contains("\" 200 "))
                    .noneMatch(l -> l.contains("/blobs/"));
        }
    }

    /** The lines appended to a log since it had {@code offset} bytes. */
    private static List<String> logSince(Path log, long offset) throws IOException {
        byte[] all = Files.readAllBytes(log);
        int from = (int) Math.min(offset, all.length);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList();
    }
}
