package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TarPipeTest {

    @Test
    void readerGetsEverythingTheProducerWritesInOrder() throws IOException {
        byte[] expected = new byte[TarPipe.CAPACITY * 5 + 17];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 7 + i / 251);
        }
        try (InputStream in = TarPipe.start("test-pipe", out -> {
            // odd sizes so that writes wrap around the ring buffer
            for (int off = 0; off < expected.length; off += 1000) {
                out.write(expected, off, Math.min(1000, expected.length - off));
            }
            out.write(42);
        })) {
            byte[] actual = in.readAllBytes();
            assertThat(actual).hasSize(expected.length + 1);
            assertThat(java.util.Arrays.copyOf(actual, expected.length)).isEqualTo(expected);
            assertThat(actual[expected.length]).isEqualTo((byte) 42);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void producerBlocksWhenThePipeIsFull() throws Exception {
        AtomicLong written = new AtomicLong();
        CountDownLatch blocked = new CountDownLatch(1);
        try (TarPipe in = TarPipe.start("test-pipe", out -> {
            byte[] chunk = new byte[1024];
            while (true) {
                out.write(chunk);
                written.addAndGet(chunk.length);
                if (written.get() >= TarPipe.CAPACITY) {
                    blocked.countDown();
                }
            }
        })) {
            assertThat(blocked.await(Await.LOCAL.toSeconds(), TimeUnit.SECONDS)).isTrue();
            Thread producer = in.producerThread();
            Await.until("the producer blocks on the full pipe", Await.LOCAL,
                    () -> producer.getState() == Thread.State.WAITING);
            assertThat(written.get()).isEqualTo(TarPipe.CAPACITY);
            assertThat(in.available()).isEqualTo(TarPipe.CAPACITY);
            assertThat(in.read(new byte[4096])).isEqualTo(4096);
            // resumed only once half the pipe is free, so that it is handed over in large pieces: watched for a
            // moment, nothing more is written (a slow machine can only hide a fault here, never make one up)
            assertThat(Await.holdsWithin(Duration.ofMillis(300), () -> written.get() != TarPipe.CAPACITY))
                    .as("the producer resumed with only 4 KiB free").isFalse();
            assertThat(in.readNBytes(TarPipe.RESUME_WHEN_FREE - 4096)).hasSize(TarPipe.RESUME_WHEN_FREE - 4096);
            Await.until("the producer fills the freed half and blocks again", Await.LOCAL,
                    () -> written.get() == TarPipe.CAPACITY + TarPipe.RESUME_WHEN_FREE
                            && producer.getState() == Thread.State.WAITING);
            assertThat(written.get()).isEqualTo(TarPipe.CAPACITY + TarPipe.RESUME_WHEN_FREE);
        }
    }

    @Test
    void producerFailureIsRethrownToTheReaderAfterTheDataBeforeIt() throws IOException {
        try (InputStream in = TarPipe.start("test-pipe", out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("disk on fire");
        })) {
            assertThat(in.readNBytes(3)).containsExactly(1, 2, 3);
            assertThatThrownBy(in::read).isInstanceOf(IOException.class)
                    .hasMessageContaining("disk on fire")
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void contextExceptionsKeepTheirTypeAndMessage() throws IOException {
        try (InputStream in = TarPipe.start("test-pipe", out -> {
            throw new ContextException("File x shrank: retry.");
        })) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(ContextException.class).hasMessage("File x shrank: retry.");
        }
    }

    @Test
    void runtimeFailuresOfTheProducerAlsoReachTheReader() throws IOException {
        try (InputStream in = TarPipe.start("test-pipe", out -> {
            throw new IllegalStateException("bug");
        })) {
            assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("bug")
                    .hasCauseInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closeStopsABlockedProducerPromptly() throws Exception {
        AtomicReference<Throwable> seenByProducer = new AtomicReference<>();
        TarPipe in = TarPipe.start("test-pipe", out -> {
            try {
                while (true) {
                    out.write(new byte[8192]);
                }
            } catch (IOException e) {
                seenByProducer.set(e);
                throw e;
            }
        });
        assertThat(in.read()).isZero();
        Thread producer = in.producerThread();
        assertThat(producer.getName()).startsWith("test-pipe-");

        assertTimeoutPreemptively(Duration.ofSeconds(5), in::close);

        producer.join(5_000);
        assertThat(producer.isAlive()).isFalse();
        assertThat(seenByProducer.get()).isInstanceOf(IOException.class);
        in.close(); // idempotent
    }
}
