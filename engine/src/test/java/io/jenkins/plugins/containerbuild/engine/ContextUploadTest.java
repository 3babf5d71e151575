package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classic context upload (the tar written straight into {@code POST /build}): an abort while the daemon does
 * not read it, a refusal by the daemon before it has read it, and a context larger than the heap.
 */
class ContextUploadTest {

    private static final int MIB = 1024 * 1024;

    private final Lab lab = Lab.get();

    @Test
    void anAbortWhileTheDaemonDoesNotReadTheUploadStopsTheWriteAtOnce(@TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY . /ctx/\n");
        writeRandom(dir.resolve("data"), 256 * MIB); // more than the socket buffers hold
        RecordingSink events = new RecordingSink();
        try (FaultProxy proxy = FaultProxy.toUnixSocket(lab.hostSocket())) {
            proxy.on(line -> line.startsWith("POST ") && line.contains("/build?"), 1, new FaultProxy.Fault.Stall());
            DaemonEndpoint endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://127.0.0.1:" + proxy.port()), null, false);
            try (ContainerEngine engine = ContainerEngine.connect(endpoint, events)) {
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                // the engine's threads are platform threads started by the caller: they join its group, so that
                // only this test's threads are looked at (other tests in this JVM run threads of the same names)
                ThreadGroup mine = new ThreadGroup("upload-test");
                Thread caller = new Thread(mine, () -> thrown.set(catchThrowable(() -> engine.build(BuildRequest.builder(dir)
                        .builderKind(BuilderKind.CLASSIC).tag(LabSupport.unique("localhost/cb-upload-abort") + ":1")
                        .build()))), "upload-test-caller");
                caller.start();
                assertThat(poll(() -> writingToASocket(mine, "containerbuild-build")))
                        .as("the build thread blocks writing the upload to the stalled connection").isTrue();
                // (seen in the group: so the group holds the engine's threads; the context's walk and tar threads
                // are platform threads started from it, in it too)

                long abortedAt = System.nanoTime();
                caller.interrupt();
                caller.join(TimeUnit.SECONDS.toMillis(60));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - abortedAt);

                assertThat(caller.isAlive()).isFalse();
                assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
                assertThat(tookMillis).as("the blocked write was cut, not waited out").isLessThan(5_000);
                assertThat(poll(() -> liveThreads(mine, "containerbuild-build", "build-context-tar", "build-context-walk") == 0))
                        .as("no thread is left writing the context").isTrue();
                proxy.releaseStalled();
                assertThat(poll(() -> !proxy.stalledClosedByClient.isEmpty()))
                        .as("the connection was closed before the tar ended").isTrue();
            }
        }
    }

    @Test
    void theClassicUploadWorksOverTls(@TempDir Path dir) throws Exception {
        String marker = LabSupport.unique("over-tls");
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY data /data\nRUN echo " + marker + "\n");
        writeRandom(dir.resolve("data"), 8 * MIB);
        String tag = LabSupport.unique("localhost/cb-upload-tls") + ":1";
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.tls(), events)) {
            BuildResult built = engine.build(BuildRequest.builder(dir).builderKind(BuilderKind.CLASSIC).tag(tag)
                    .networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:");
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Progress p && p.status().equals("Sent")
                    && p.current() > 8 * MIB);
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o && o.line().contains(marker));
            engine.remove(tag);
        }
    }

    @Test
    void aFailureBeforeTheUploadIsReadIsTheDaemonsError(@TempDir Path dir) throws Exception {
        // BuildKit reads the Dockerfile from the front of the uploaded tar and fails before it reads the rest
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nNO-SUCH-INSTRUCTION x\n");
        writeRandom(dir.resolve("data"), 64 * MIB);
        String before = System.getProperty(BuildImageStep.SESSION_PROPERTY);
        System.setProperty(BuildImageStep.SESSION_PROPERTY, "false");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            Throwable error = catchThrowable(() -> engine.build(BuildRequest.builder(dir)
                    .builderKind(BuilderKind.BUILDKIT).build()));
            assertThat(error).isInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("NO-SUCH-INSTRUCTION")
                    .hasMessageNotContaining("Broken pipe")
                    .hasMessageNotContaining("Connection reset");
        } finally {
            if (before == null) {
                System.clearProperty(BuildImageStep.SESSION_PROPERTY);
            } else {
                System.setProperty(BuildImageStep.SESSION_PROPERTY, before);
            }
        }
    }

    @Test
    void aContextSixteenTimesTheHeapIsSent(@TempDir Path dir) throws Exception {
        // the child JVM's heap is 64 MiB; its context is 1 GiB of incompressible data, all of it uploaded (the
        // classic builder takes the whole tar before it runs a step), none of it copied into the image
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        LabSupport.context(ctx, "FROM " + lab.baseImage() + "\nRUN echo " + LabSupport.unique("big") + "\n");
        for (int i = 0; i < 4; i++) {
            writeRandom(ctx.resolve("part-" + i), 256 * MIB);
        }
        String tag = LabSupport.unique("localhost/cb-upload-big") + ":1";
        try {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-cp", System.getProperty("java.class.path"), BigUploadProbe.class.getName(),
                    ctx.toString(), tag)
                    .redirectErrorStream(true).start();
            java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return new String(child.getInputStream().readAllBytes());
                        } catch (java.io.IOException e) {
                            return "(output unreadable: " + e + ")";
                        }
                    });
            // 1 GiB through the classic builder on a loaded machine: minutes at worst, never forever
            if (!child.waitFor(10, TimeUnit.MINUTES)) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("the upload probe did not end within 10 minutes: "
                        + output.getNow("(no output yet)"));
            }
            String out = output.get(1, TimeUnit.MINUTES);
            assertThat(child.exitValue()).as(out).isZero();
            assertThat(out).contains("built sha256:").contains("sent 1073").doesNotContain("OutOfMemoryError");
        } finally {
            LabSupport.removeImages(tag);
        }
    }

    /** Builds the context of its first argument with the classic builder, tagged with its second. */
    static final class BigUploadProbe {
        public static void main(String[] args) throws Exception {
            RecordingSink events = new RecordingSink();
            try (ContainerEngine engine = ContainerEngine.connect(Lab.get().dood(), events)) {
                String id = engine.build(BuildRequest.builder(Path.of(args[0])).builderKind(BuilderKind.CLASSIC)
                        .tag(args[1]).networkMode("none").build()).imageId();
                long sent = events.events.stream().filter(e -> e instanceof EngineEvent.Progress p
                        && p.status().equals("Sent")).mapToLong(e -> ((EngineEvent.Progress) e).current()).max()
                        .orElse(-1);
                System.out.println("built " + id);
                System.out.println("sent " + sent);
            }
        }
    }

    private static void writeRandom(Path file, int size) throws IOException {
        byte[] block = new byte[MIB];
        Random random = new Random();
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }

    private static boolean writingToASocket(ThreadGroup group, String threadName) {
        for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
            if (t.getKey().getThreadGroup() == group && t.getKey().getName().equals(threadName)
                    && Arrays.stream(t.getValue()).anyMatch(f ->
                    f.getMethodName().contains("write") && (f.getClassName().startsWith("sun.nio.ch.")
                            || f.getClassName().startsWith("java.net.Socket")))) {
                return true;
            }
        }
        return false;
    }

    /** Live threads of the group (and the groups in it) whose names start with one of the prefixes. */
    private static long liveThreads(ThreadGroup group, String... prefixes) {
        Thread[] threads = new Thread[group.activeCount() + 16];
        int n = group.enumerate(threads, true);
        return Arrays.stream(threads, 0, n)
                .filter(t -> t.isAlive() && Arrays.stream(prefixes).anyMatch(p -> t.getName().startsWith(p)))
                .count();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} for up to 30 seconds; true as soon as it holds. */
    private static boolean poll(Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.holds();
    }
}
