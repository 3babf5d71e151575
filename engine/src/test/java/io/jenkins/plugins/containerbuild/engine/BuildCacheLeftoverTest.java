package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A BuildKit build must not leave its context behind in the daemon's build cache. Through a session the daemon
 * keeps what it fetched under a key per context directory, reused by the next build; through the tar upload (the
 * fallback) it keeps the upload as a record under a random URL that no later build can use, which the engine
 * removes. Either way the layers stay cached: the same build again is fully cached.
 */
class BuildCacheLeftoverTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The session on every daemon; the tar upload on 20.10 and the classic 26.1 only: the containerd image store's
     * BuildKit cannot read an uploaded context at all (it looks up {@code http://build-context-ID} in DNS and fails;
     * see docs/daemons.md), so there BuildKit builds need the session.
     */
    static Stream<Arguments> daemonsAndSessions() {
        return Stream.concat(LabDaemons.everyStore().map(d -> Arguments.of(d, true)),
                LabDaemons.full().map(d -> Arguments.of(d, false)));
    }

    @ParameterizedTest(name = "{0}, BuildKit session: {1}")
    @MethodSource("daemonsAndSessions")
    void theContextLeavesNoCacheRecordAndTheLayersStayCached(Lab.Daemon daemon, boolean session, @TempDir Path ctx)
            throws Exception {
        String before = System.getProperty(BuildImageStep.SESSION_PROPERTY);
        System.setProperty(BuildImageStep.SESSION_PROPERTY, Boolean.toString(session));
        try {
            buildTwice(daemon, ctx, session);
        } finally {
            if (before == null) {
                System.clearProperty(BuildImageStep.SESSION_PROPERTY);
            } else {
                System.setProperty(BuildImageStep.SESSION_PROPERTY, before);
            }
        }
    }

    private void buildTwice(Lab.Daemon daemon, Path ctx, boolean session) throws Exception {
        // a context of an odd, recognisable size: other builds on the shared lab daemon make records too
        int size = 3 * 1024 * 1024 + (session ? 4321 : 4327);
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        Files.write(ctx.resolve("payload.bin"), data);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + daemon.baseImage() + "\nCOPY payload.bin /p\n");
        String tag = "localhost/cb-cacheleft-" + session + "-" + ProcessHandle.current().pid() + ":1";
        Instant first = Instant.now().minusSeconds(1);
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), EventSink.discard())) {
            BuildRequest request = BuildRequest.builder(ctx).builderKind(BuilderKind.BUILDKIT).networkMode("none")
                    .tag(tag).build();
            engine.build(request);
            Instant second = Instant.now();
            BuildResult again = engine.build(request);
            assertThat(again.cachedSteps()).as("the COPY step is still cached").isEqualTo(1);
            assertThat(unusedRecordsOfSize(daemon, first, second, size))
                    .as("records of this context's size that the same build did not use again").isEmpty();
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }

    /**
     * Build-cache records as the daemon lists them ({@code GET /system/df}), whatever it calls them: those within a
     * tar's overhead of the payload's size, made since the first build began, that the second build did not use
     * (made during it, or last used before it). What a build reuses (the session's copy of the directory, the
     * cached COPY layer) is used again; an uploaded context is not, whatever its description says.
     */
    private static List<String> unusedRecordsOfSize(Lab.Daemon daemon, Instant first, Instant second, long payload)
            throws Exception {
        // the build cache only: the whole answer fails on the containerd store while others remove images
        String df = Lab.exec(List.of("curl", "-sf", "--unix-socket", daemon.socket().toString(),
                "http://docker/system/df?type=build-cache"), null, true).stdout();
        List<String> found = new ArrayList<>();
        for (JsonNode r : JSON.readTree(df).path("BuildCache")) {
            long s = r.path("Size").asLong();
            Instant created = Instant.parse(r.path("CreatedAt").asText());
            Instant lastUsed = r.hasNonNull("LastUsedAt") ? Instant.parse(r.path("LastUsedAt").asText()) : created;
            if (s >= payload && s < payload + 64 * 1024 && !created.isBefore(first)
                    && (!created.isBefore(second) || lastUsed.isBefore(second))) {
                found.add(r.path("ID").asText() + " " + r.path("Type").asText() + " " + s + " bytes, made "
                        + created + ", last used " + lastUsed + ": " + r.path("Description").asText());
            }
        }
        return found;
    }
}
