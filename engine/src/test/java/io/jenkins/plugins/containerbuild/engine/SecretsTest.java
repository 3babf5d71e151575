package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Build secrets through the BuildKit session: byte for byte into {@code RUN --mount=type=secret}, in no layer, no
 * image config or history, no event and no daemon log; the daemon's own handling of unknown ids; the classic
 * builder's refusal; an abort while the session serves them. On every lab daemon (Engine 20.10 with BuildKit 0.8,
 * 26.1 with BuildKit 0.13 and either image store), except the refusal, which comes before any call.
 */
class SecretsTest {

    private static final String EVERY_STORE = "io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore";

    private final Lab lab = Lab.get();

    /** A secret no text decoder keeps intact: a marker to search for, bytes that are not UTF-8, NUL, a newline. */
    private static byte[] awkwardSecret(String marker) {
        byte[] text = marker.getBytes(StandardCharsets.US_ASCII);
        byte[] odd = {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3, 0x28, (byte) 0x80, '\r', '\n', (byte) 0xe2, '\n'};
        byte[] all = new byte[text.length + odd.length];
        System.arraycopy(text, 0, all, 0, text.length);
        System.arraycopy(odd, 0, all, text.length, odd.length);
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void secretBytesReachTheStepAndNoLayerConfigEventOrLog(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        String marker = LabSupport.unique("S3cr3tMarker");
        byte[] secret = awkwardSecret(marker);
        String tag = LabSupport.unique("it/secrets") + ":1";
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n"
                + "RUN --mount=type=secret,id=blob,required=true sha256sum /run/secrets/blob > /sum"
                + " && stat -c %s /run/secrets/blob > /size && cat /run/secrets/blob | wc -c\n"
                + "RUN --mount=type=secret,id=blob,target=/elsewhere/blob test -s /elsewhere/blob && echo mounted-there\n"
                + "RUN test ! -e /run/secrets/blob && test ! -e /elsewhere/blob\n");
        RecordingSink events = new RecordingSink();
        BuildRequest request = BuildRequest.builder(dir).tag(tag).networkMode("none").noCache(true)
                .secret("blob", secret).build();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            try {
                engine.build(request);
                SavedImage image = SavedImage.of(daemon.socket(), tag);
                assertThat(new String(image.file("sum"), StandardCharsets.US_ASCII))
                        .as("the step read exactly the bytes given").startsWith(sha256(secret) + " ");
                assertThat(new String(image.file("size"), StandardCharsets.US_ASCII).strip())
                        .isEqualTo(Integer.toString(secret.length));
                assertThat(events.allText()).contains("mounted-there");
                assertNowhere(daemon, secret, marker, image, events);
            } finally {
                engine.remove(tag);
            }
        } finally {
            request.destroySecrets();
        }
        assertThat(request.secrets().get("blob").bytes()).as("destroySecrets overwrote the request's copy")
                .containsOnly(0);
    }

    /**
     * The control for the search above: a secret copied into the image is found in its layer, so that the search
     * would catch a leak.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void theSearchFindsASecretThatIsInALayer(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        String marker = LabSupport.unique("S3cr3tMarker");
        byte[] secret = awkwardSecret(marker);
        Files.write(dir.resolve("leaked"), secret);
        String tag = LabSupport.unique("it/secrets-control") + ":1";
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nCOPY leaked /leaked\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            try {
                engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
                SavedImage image = SavedImage.of(daemon.socket(), tag);
                assertThat(image.file("leaked")).isEqualTo(secret);
                assertThat(catchThrowable(() -> assertNowhere(daemon, secret, marker, image, new RecordingSink())))
                        .isInstanceOf(AssertionError.class);
            } finally {
                engine.remove(tag);
            }
        }
    }

    /** The empty secret is an empty file, not a missing one (the docker CLI would leave it out). */
    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void anEmptySecretIsAnEmptyFile(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n"
                + "RUN --mount=type=secret,id=empty,required=true test -f /run/secrets/empty"
                + " && test ! -s /run/secrets/empty && echo " + LabSupport.unique("empty-seen") + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            BuildResult r = engine.build(BuildRequest.builder(dir).networkMode("none").noCache(true)
                    .secret("empty", new byte[0]).build());
            engine.remove(r.imageId());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void aRequiredUnknownIdFailsWithTheDaemonsMessageAndAnOptionalOneIsAbsent(Lab.Daemon daemon, @TempDir Path dir)
            throws Exception {
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n"
                    + "RUN --mount=type=secret,id=npm,required=true echo never\n");
            Throwable required = catchThrowable(() -> engine.build(BuildRequest.builder(dir).networkMode("none")
                    .secret("other", "other-value".getBytes(StandardCharsets.UTF_8)).build()));
            // the daemon's own words, not ours: it took NOT_FOUND for "no such secret" (BuildKit 0.8 says
            // "secret npm not found: not found", 0.13 "secret npm: not found")
            assertThat(required).isInstanceOf(BuildFailedException.class)
                    .hasMessageMatching("(?s).*secret npm:? not found.*").hasMessageNotContaining("no build secret with id").hasMessageNotContaining("other-value");

            LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n"
                    + "RUN --mount=type=secret,id=npm test ! -e /run/secrets/npm && echo optional-absent-ok\n");
            BuildResult optional = engine.build(BuildRequest.builder(dir).networkMode("none").noCache(true)
                    .secret("other", "other-value".getBytes(StandardCharsets.UTF_8)).build());
            engine.remove(optional.imageId());
            assertThat(events.allText()).contains("optional-absent-ok").doesNotContain("other-value");
        }
    }

    @Test
    void theClassicBuilderRefusesSecretsBeforeAnyCall(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-context");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            // the context does not even exist: the refusal comes before anything is read or sent
            Throwable t = catchThrowable(() -> engine.build(BuildRequest.builder(missing)
                    .builderKind(BuilderKind.CLASSIC).secret("token", "classic-secret".getBytes(StandardCharsets.UTF_8))
                    .build()));
            assertThat(t).isInstanceOf(ContainerEngineException.class).hasMessageContaining("secrets")
                    .hasMessageContaining("BuildKit").hasMessageNotContaining("classic-secret");
        }
    }

    /**
     * An abort while a step holds a mounted secret: the build stops, the session closes and its thread ends, no
     * container, process, secret mount or temporary file is left, and the next build works.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(EVERY_STORE)
    void abortWhileTheSessionServesSecretsLeavesNothing(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("SecretsTest-abort"), daemon);
        String marker = LabSupport.unique("secret-abort");
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n"
                + "RUN --mount=type=secret,id=tok,required=true test -s /run/secrets/tok && echo " + marker + " && "
                + sleep + "\n");
        byte[] secret = awkwardSecret(LabSupport.unique("AbortSecret"));
        RecordingSink events = new RecordingSink();
        java.util.concurrent.atomic.AtomicLong mountedWhileRunning = new java.util.concurrent.atomic.AtomicLong(-1);
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            AbortWhen.Outcome o = AbortWhen.run(events,
                    e -> e instanceof EngineEvent.StepOutput out && out.line().contains(marker),
                    () -> mountedWhileRunning.set(secretMounts(secret)),
                    () -> engine.build(BuildRequest.builder(dir).networkMode("none").secret("tok", secret).build()));
            assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((StepLeftovers.running(sleep) || sessionThreads() > 0 || secretMounts(secret) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(StepLeftovers.running(sleep)).as("the step's process was stopped").isFalse();
        assertThat(sessionThreads()).as("no session thread left").isZero();
        assertThat(mountedWhileRunning).as("the search sees the secret's mount while the step runs").hasPositiveValue();
        assertThat(secretMounts(secret)).as("no mount of the secret left on the host").isZero();
        // other builds share the daemon: only a container running this test's own step would be the abort's leftover
        assertThat(daemon.docker("ps", "-a", "--no-trunc", "--filter", "ancestor=" + daemon.baseImage(),
                "--format", "{{.ID}} {{.Command}}").lines().filter(l -> l.contains(sleep)))
                .as("no container of the aborted step").isEmpty();
        assertThat(events.allText()).doesNotContain(new String(secret, 0, 20, StandardCharsets.US_ASCII));
        check.assertNothingLeft();
        FaultCheck.assertNextBuildSucceeds(daemon.endpoint(), daemon.baseImage(), dir);
    }

    private static long sessionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("containerbuild-session")).count();
    }

    /**
     * BuildKit mounts each secret on a tmpfs of its own under a {@code buildkit-secrets} directory while its step
     * runs, as one file: the mounts that hold exactly these bytes. Found by content, because other builds on the
     * machine mount secrets of their own at the same time.
     */
    private static long secretMounts(byte[] secret) {
        long found = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] fields = line.split(" ");
                if (fields.length < 2 || !fields[1].contains("buildkit-secrets")) {
                    continue;
                }
                try (java.util.stream.Stream<Path> files = Files.list(Path.of(fields[1]))) {
                    for (Path f : files.toList()) {
                        if (Files.isRegularFile(f) && java.util.Arrays.equals(Files.readAllBytes(f), secret)) {
                            found++;
                        }
                    }
                } catch (IOException unmountedMeanwhile) {
                    // the step ended between the two reads
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }

    /**
     * Fails when the secret, its marker, or either in base64 appears in any file of the saved image (the layers'
     * files, the config with its history, the manifest), in any event, or in the daemon's log.
     */
    private void assertNowhere(Lab.Daemon daemon, byte[] secret, String marker, SavedImage saved,
                               RecordingSink events) throws IOException {
        saved.assertHoldsNo("the secret", secret);
        saved.assertHoldsNo("the secret's marker", marker.getBytes(StandardCharsets.US_ASCII));
        assertThat(events.allText()).as("the secret in the events").doesNotContain(marker)
                .doesNotContain(new String(secret, StandardCharsets.ISO_8859_1))
                .doesNotContain(new String(secret, StandardCharsets.UTF_8));
        assertThat(daemon.log()).as("the daemon's log").isRegularFile();
        assertThat(new String(Files.readAllBytes(daemon.log()), StandardCharsets.ISO_8859_1))
                .as("the secret in the daemon's log").doesNotContain(marker);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
