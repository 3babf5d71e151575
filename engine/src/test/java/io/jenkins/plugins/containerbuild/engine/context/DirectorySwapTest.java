package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The moment of the race in {@code ContextSwapRaceTest}, made certain: a directory of the context is replaced by a
 * link to a directory outside right after the walk has read its attributes and before it lists it. Neither walk
 * (the classic builder's tar, BuildKit's file sync) may list or read through the link: the build fails saying the
 * context changed, and nothing from outside reaches a visitor or a reader.
 */
class DirectorySwapTest {

    private static final SyncedDirectory.Filter ALL = new SyncedDirectory.Filter(List.of(), List.of(), List.of());
    private static final String SECRET = "outside-secret-bytes";

    @Test
    void theSessionsWalkRefusesADirectorySwappedForALinkAndReadsNothingOutside(@TempDir Path tmp) throws Exception {
        Path ctx = context(tmp);
        List<SyncedDirectory.Entry> entries = new ArrayList<>();
        assertThatThrownBy(() -> SyncedDirectory.of(ctx).walk(ALL, entry -> {
            entries.add(entry);
            if (entry.path().equals("sub")) {
                swap(tmp);
            }
        })).isInstanceOf(ContextException.class).hasMessage(replaced(ctx.toRealPath().resolve("sub")));
        for (SyncedDirectory.Entry entry : entries) {
            assertThat(entry.path()).as("entries sent").isIn("a.txt", "sub");
        }
    }

    @Test
    void theTarWalkRefusesADirectorySwappedForALink(@TempDir Path tmp) throws Exception {
        Path ctx = context(tmp);
        List<String> names = new ArrayList<>();
        assertThatThrownBy(() -> new ContextWalker(ctx.toRealPath(), DockerIgnore.none()).walk(entry -> {
            names.add(entry.name());
            if (entry.name().equals("sub")) {
                swap(tmp);
            }
        })).isInstanceOf(ContextException.class).hasMessage(replaced(ctx.toRealPath().resolve("sub")));
        assertThat(names).containsExactly("a.txt", "sub");
    }

    /** The session reads a file's content after the walk: a directory on its way swapped since is never crossed. */
    @Test
    void contentIsNeverReadThroughADirectorySwappedAfterTheWalk(@TempDir Path tmp) throws Exception {
        Path ctx = context(tmp);
        List<SyncedDirectory.Entry> entries = new ArrayList<>();
        SyncedDirectory.of(ctx).walk(ALL, entries::add);
        SyncedDirectory.Entry inner = entries.stream().filter(e -> e.path().equals("sub/f.txt")).findFirst()
                .orElseThrow();
        swap(tmp);
        assertThatThrownBy(() -> {
            try (InputStream in = inner.openContent()) {
                in.readAllBytes();
            }
        }).isInstanceOf(ContextException.class).hasMessage(replaced(ctx.toRealPath().resolve("sub")))
                .message().doesNotContain(SECRET);
    }

    /** A context with {@code a.txt} and {@code sub/f.txt}, and {@code outside/f.txt} holding the secret. */
    private static Path context(Path tmp) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx/sub"));
        Files.writeString(tmp.resolve("ctx/a.txt"), "a");
        Files.writeString(tmp.resolve("ctx/sub/f.txt"), "inside");
        Files.createDirectories(tmp.resolve("outside"));
        Files.write(tmp.resolve("outside/f.txt"), SECRET.getBytes(StandardCharsets.US_ASCII));
        return ctx.getParent();
    }

    /** Moves {@code ctx/sub} away and puts a link to {@code outside} in its place. */
    private static void swap(Path tmp) {
        try {
            Files.move(tmp.resolve("ctx/sub"), tmp.resolve("parked"));
            Files.createSymbolicLink(tmp.resolve("ctx/sub"), tmp.resolve("outside"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String replaced(Path path) {
        return path + " in the build context was replaced while the context was being sent (by another file, or a"
                + " directory on its way by a symbolic link); nothing from outside the context was sent: keep the"
                + " context unchanged while it is built, then build again.";
    }
}
