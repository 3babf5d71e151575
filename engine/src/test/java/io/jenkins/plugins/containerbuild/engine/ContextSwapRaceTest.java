package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process that can write the context (another step of the job, a test writing fixtures) swaps a directory of it
 * for a link to a directory outside, and back, again and again while builds run: no image may ever hold a byte of
 * the outside files, on either way of sending the context (the classic builder's tar, BuildKit's file sync). A
 * build either gets the context's own files or fails saying the context changed while it was sent. The outside
 * directory holds files of the same names as the swapped one, so that a walk or a read that goes through the link
 * at any moment finds something to send (before the fix, most builds here held the outside files).
 */
class ContextSwapRaceTest {

    private static final int FILES = 200;
    private static final int MAX_BUILDS = 20;
    private static final Duration MAX_TIME = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void aDirectorySwappedForALinkToTheOutsideNeverReachesTheImage(String builder, @TempDir Path tmp)
            throws Exception {
        byte[] secret = ("outside-secret-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Path sub = Files.createDirectories(ctx.resolve("sub"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path parked = tmp.resolve("parked");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + Lab.get().baseImage() + "\nCOPY . /ctx/\n");
        for (int i = 0; i < FILES; i++) {
            String name = String.format("f%03d.txt", i);
            Files.writeString(sub.resolve(name), "inside " + i + "\n");
            Files.write(outside.resolve(name), secret);
        }

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        Thread racer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(sub, parked);
                    Files.createSymbolicLink(sub, outside);
                    Thread.onSpinWait();
                    Files.delete(sub);
                    Files.move(parked, sub);
                    swaps.incrementAndGet();
                }
            } catch (IOException e) {
                throw new IllegalStateException("the racer could not swap " + sub, e);
            }
        }, "context-swap-racer");

        List<String> tags = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        int built = 0;
        String prefix = "localhost/cb-swaprace-" + builder + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (ContainerEngine engine = ContainerEngine.connect(Lab.get().dood(), EventSink.discard())) {
            racer.start();
            long deadline = System.nanoTime() + MAX_TIME.toNanos();
            for (int i = 0; i < MAX_BUILDS && System.nanoTime() < deadline; i++) {
                String tag = prefix + ":" + i;
                try {
                    engine.build(BuildRequest.builder(ctx).builderKind(BuilderKind.parse(builder))
                            .networkMode("none").tag(tag).build());
                } catch (ContainerEngineException refused) {
                    refusals.add(refused.getClass().getSimpleName() + ": " + refused.getMessage());
                    assertThat(String.valueOf(refused.getMessage())).as("the error of build %d", i)
                            .doesNotContain(new String(secret, StandardCharsets.US_ASCII));
                    continue;
                }
                tags.add(tag);
                built++;
                try {
                    SavedImage.of(Lab.get().hostSocket(), tag).assertHoldsNo("the outside files' content", secret);
                } catch (AssertionError leaked) { // counted, so that the failure says how often it happened
                    leaks.add(tag + ": " + leaked.getMessage());
                }
            }
        } finally {
            stop.set(true);
            racer.join(10_000);
            LabSupport.removeImages(tags.toArray(String[]::new));
        }
        System.err.println("ContextSwapRaceTest " + builder + ": " + built + " built (" + leaks.size() + " of them with"
                + " the outside files), " + refusals.size() + " refused, " + swaps.get() + " swaps; refusals:\n  "
                + String.join("\n  ", refusals));
        assertThat(leaks).as("images holding the outside files, of %d built", built).isEmpty();
        assertThat(racer.isAlive()).as("the racer stopped").isFalse();
        assertThat(swaps.get()).as("the directory was swapped while the builds ran").isGreaterThan(0);
        assertThat(built).as("builds that got through, whose images were checked").isGreaterThan(0);
    }
}
