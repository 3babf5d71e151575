package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow control as RFC 9113 Section 5.2 means it, against a peer that does not play by it: the session server grants
 * a stream more bytes only as its service reads them, so a stream nobody reads holds at most its window while the
 * other streams go on; bytes beyond what was granted end the connection with FLOW_CONTROL_ERROR; and a gRPC length
 * prefix larger than the limit is refused before anything is allocated for it.
 */
@Timeout(120)
class Http2FlowControlTest {

    private static final Duration SYNC = Duration.ofSeconds(20);
    private static final long CAP = 64L << 20;
    private static final int FLOW_CONTROL_ERROR = 0x3;

    @TempDir
    Path tmp;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseServices() {
        release.countDown();
    }

    /** Services that never read (stream ids below 100) and one that reads every message (stream 101). */
    private Consumer<Http2Stream> services(AtomicLong readOn101) {
        return s -> {
            try {
                if (s.id() == 101) {
                    for (byte[] m; (m = s.readMessage()) != null; ) {
                        readOn101.addAndGet(m.length);
                    }
                    s.finish(Http2Stream.OK, null);
                } else {
                    release.await();
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
        };
    }

    /** Sends on the stream everything the server grants it, until the grants stop or CAP bytes; returns the bytes. */
    private static long sendAllGranted(RawH2Peer peer, int stream, long[] connectionSent) throws Exception {
        long sent = 0;
        while (sent < CAP) {
            long room = Math.min(peer.streamGrant(stream) - sent, peer.connectionGrant() - connectionSent[0]);
            if (room <= 0) {
                assertThat(peer.sync(SYNC)).as("the server answers a PING").isTrue();
                if (Math.min(peer.streamGrant(stream) - sent, peer.connectionGrant() - connectionSent[0]) <= 0) {
                    return sent; // no new grant after every frame was handled: stalled
                }
                continue;
            }
            int n = (int) Math.min(room, 16_384);
            peer.frame(Http2Server.DATA, 0, stream, new byte[n]);
            sent += n;
            connectionSent[0] += n;
        }
        return sent;
    }

    @Test
    void aStreamNobodyReadsIsGrantedNoMoreThanItsWindowWhileAnotherStreamGoesOn() throws Exception {
        AtomicLong readOn101 = new AtomicLong();
        CompletableFuture<Http2Stream> unread = new CompletableFuture<>();
        Consumer<Http2Stream> services = services(readOn101);
        try (RawH2Peer peer = new RawH2Peer(tmp, s -> {
            if (s.id() == 1) {
                unread.complete(s);
            }
            services.accept(s);
        })) {
            assertThat(peer.sync(SYNC)).isTrue();
            long initial = peer.streamGrant(1);
            peer.open(1, "/never.Read/Me");
            long[] connectionSent = {0};
            long sent = sendAllGranted(peer, 1, connectionSent);

            assertThat(peer.streamUpdates(1)).as("WINDOW_UPDATEs for a stream nobody read").isZero();
            assertThat(sent).as("bytes the peer could send on a stream nobody reads").isEqualTo(initial);
            assertThat(unread.get(20, TimeUnit.SECONDS).buffered()).as("bytes the server holds for it")
                    .isEqualTo((int) sent);

            // another stream still moves 8 MiB, as its service reads them
            peer.open(101, "/read.All/Of");
            byte[] message = new byte[64 * 1024 - 5];
            long sentOn101 = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sentOn101 < 8L << 20) {
                long room = Math.min(peer.streamGrant(101) - sentOn101, peer.connectionGrant() - connectionSent[0]);
                if (room < 64 * 1024) {
                    assertThat(System.nanoTime()).as("stream 101 stalled behind the stream nobody reads")
                            .isLessThan(deadline);
                    assertThat(peer.sync(SYNC)).isTrue();
                    Thread.onSpinWait();
                    continue;
                }
                peer.message(101, message);
                sentOn101 += 64 * 1024;
                connectionSent[0] += 64 * 1024;
            }
            peer.frame(Http2Server.DATA, Http2Server.FLAG_END_STREAM, 101, new byte[0]);
            assertThat(peer.next(Http2Server.HEADERS, SYNC)).as("stream 101 is answered").isNotNull();
            assertThat(readOn101.get()).isEqualTo((8L << 20) / (64 * 1024) * message.length);
        }
    }

    @Test
    void dataBeyondTheStreamWindowIsAFlowControlError() throws Exception {
        try (RawH2Peer peer = new RawH2Peer(tmp, services(new AtomicLong()))) {
            assertThat(peer.sync(SYNC)).isTrue();
            peer.open(1, "/never.Read/Me");
            sendAllGranted(peer, 1, new long[1]);
            peer.frame(Http2Server.DATA, 0, 1, new byte[1]);

            RawH2Peer.Frame goaway = peer.next(Http2Server.GOAWAY, SYNC);
            assertThat(goaway).as("GOAWAY after a byte beyond the window").isNotNull();
            assertThat(Http2Server.get32(goaway.payload(), 4)).isEqualTo(FLOW_CONTROL_ERROR);
            assertThat(peer.served(SYNC)).isInstanceOf(IOException.class)
                    .hasMessageContaining("FLOW_CONTROL_ERROR").hasMessageContaining("stream 1");
        }
    }

    @Test
    void dataBeyondTheConnectionWindowIsAFlowControlError() throws Exception {
        try (RawH2Peer peer = new RawH2Peer(tmp, services(new AtomicLong()))) {
            assertThat(peer.sync(SYNC)).isTrue();
            long[] connectionSent = {0};
            int stream = 1;
            while (connectionSent[0] < peer.connectionGrant() && stream < 100) {
                peer.open(stream, "/never.Read/Me");
                sendAllGranted(peer, stream, connectionSent);
                stream += 2;
            }
            assertThat(connectionSent[0]).as("the connection's grant is bounded").isLessThan(CAP);
            peer.open(stream, "/never.Read/Me");
            peer.frame(Http2Server.DATA, 0, stream, new byte[1]);

            RawH2Peer.Frame goaway = peer.next(Http2Server.GOAWAY, SYNC);
            assertThat(goaway).as("GOAWAY after a byte beyond the connection's window").isNotNull();
            assertThat(Http2Server.get32(goaway.payload(), 4)).isEqualTo(FLOW_CONTROL_ERROR);
            assertThat(peer.served(SYNC)).hasMessageContaining("FLOW_CONTROL_ERROR");
        }
    }

    @Test
    void aLengthPrefixOfTwoGibibytesIsRefusedWithItsSize() throws Exception {
        CompletableFuture<Throwable> read = new CompletableFuture<>();
        try (RawH2Peer peer = new RawH2Peer(tmp, s -> read.complete(readOne(s)))) {
            peer.open(1, "/any.Service/Call");
            peer.frame(Http2Server.DATA, 0, 1, new byte[] {0, (byte) 0x80, 0, 0, 0});
            assertThat(read.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                    .hasMessageContaining("2147483648 bytes").hasMessageContaining("limit");
        }
    }

    @Test
    void aLengthPrefixBeyondTheLimitIsRefusedBeforeItsBytesArrive() throws Exception {
        CompletableFuture<Throwable> read = new CompletableFuture<>();
        try (RawH2Peer peer = new RawH2Peer(tmp, s -> read.complete(readOne(s)))) {
            peer.open(1, "/any.Service/Call");
            byte[] prefix = new byte[5];
            Http2Server.put32(prefix, 1, 60 << 20);
            peer.frame(Http2Server.DATA, 0, 1, prefix); // and nothing more: the server must not wait for 60 MiB
            assertThat(read.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                    .hasMessageContaining(Integer.toString(60 << 20)).hasMessageContaining("limit");
        }
    }

    /**
     * A service waiting for send window is woken by the call's RST_STREAM and gives up with an error, instead of
     * waiting until some other WINDOW_UPDATE or the session's end.
     */
    @Test
    void aResetWakesAWriterThatWaitsForWindow() throws Exception {
        CompletableFuture<Throwable> written = new CompletableFuture<>();
        try (RawH2Peer peer = new RawH2Peer(tmp, s -> {
            try {
                s.sendMessage(new byte[200_000]); // more than the peer's 65,535-byte window, which it never grows
                written.complete(null);
            } catch (IOException | RuntimeException e) {
                written.complete(e);
            }
        })) {
            peer.open(1, "/any.Service/Write");
            long received = 0;
            while (received < 65_535) { // the peer's SETTINGS leave the HTTP/2 default window for the server's sends
                RawH2Peer.Frame data = peer.next(Http2Server.DATA, SYNC);
                assertThat(data).as("DATA up to the window, after " + received + " bytes").isNotNull();
                received += data.payload().length;
            }
            assertThat(written).as("the writer waits for window").isNotDone();

            peer.frame(Http2Server.RST_STREAM, 0, 1, new byte[] {0, 0, 0, 0x8}); // CANCEL
            Throwable thrown;
            try {
                thrown = written.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the writer still waits for window 10 s after the stream's reset", e);
            }
            assertThat(thrown).as("what the writer ended with").isInstanceOf(IOException.class)
                    .hasMessageContaining("reset");
            assertThat(peer.sawGoaway()).as("a reset call is no connection error").isFalse();
        }
    }

    /**
     * RFC 9113 Section 6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change that takes an open stream's send window beyond
     * 2^31-1 is a connection error of type FLOW_CONTROL_ERROR.
     */
    @Test
    void anInitialWindowChangeBeyondTheMaximumIsAConnectionFlowControlError() throws Exception {
        try (RawH2Peer peer = new RawH2Peer(tmp, services(new AtomicLong()))) {
            assertThat(peer.sync(SYNC)).isTrue();
            peer.open(1, "/never.Read/Me");
            peer.frame(Http2Server.WINDOW_UPDATE, 0, 1, int32(Integer.MAX_VALUE - 65_535)); // the window: 2^31-1
            assertThat(peer.sync(SYNC)).as("a window of exactly 2^31-1 is allowed").isTrue();
            assertThat(peer.sawGoaway()).isFalse();

            peer.frame(Http2Server.SETTINGS, 0, 0, new byte[] {0, 0x4, 0, 1, 0, 0}); // 65,536: one byte more
            RawH2Peer.Frame goaway = peer.next(Http2Server.GOAWAY, SYNC);
            assertThat(goaway).as("GOAWAY after SETTINGS that overflow a stream's window").isNotNull();
            assertThat(Http2Server.get32(goaway.payload(), 4)).isEqualTo(FLOW_CONTROL_ERROR);
            assertThat(peer.served(SYNC)).hasMessageContaining("FLOW_CONTROL_ERROR")
                    .hasMessageContaining("SETTINGS_INITIAL_WINDOW_SIZE");
        }
    }

    /**
     * RFC 9113 Section 6.9.1: a WINDOW_UPDATE beyond 2^31-1 ends the stream (RST_STREAM with FLOW_CONTROL_ERROR)
     * when it is a stream's window, the connection (GOAWAY) when it is the connection's.
     */
    @Test
    void aWindowUpdateBeyondTheMaximumEndsTheStreamOrTheConnection() throws Exception {
        try (RawH2Peer peer = new RawH2Peer(tmp, services(new AtomicLong()))) {
            assertThat(peer.sync(SYNC)).isTrue();
            peer.open(1, "/never.Read/Me");
            peer.frame(Http2Server.WINDOW_UPDATE, 0, 1, int32(Integer.MAX_VALUE));
            RawH2Peer.Frame reset = peer.next(Http2Server.RST_STREAM, SYNC);
            assertThat(reset).as("RST_STREAM for the stream whose window overflowed").isNotNull();
            assertThat(reset.stream()).isEqualTo(1);
            assertThat(Http2Server.get32(reset.payload(), 0)).isEqualTo(FLOW_CONTROL_ERROR);
            assertThat(peer.sync(SYNC)).as("the connection goes on").isTrue();
            assertThat(peer.sawGoaway()).as("a stream error, not a connection error").isFalse();

            peer.frame(Http2Server.WINDOW_UPDATE, 0, 0, int32(Integer.MAX_VALUE));
            RawH2Peer.Frame goaway = peer.next(Http2Server.GOAWAY, SYNC);
            assertThat(goaway).as("GOAWAY after the connection's window overflowed").isNotNull();
            assertThat(Http2Server.get32(goaway.payload(), 4)).isEqualTo(FLOW_CONTROL_ERROR);
            assertThat(peer.served(SYNC)).hasMessageContaining("FLOW_CONTROL_ERROR");
        }
    }

    /**
     * Padding holds nothing for a service to read, so it is granted back as it arrives: a stream that receives only
     * padded frames with no content, and whose service reads nothing, goes on well past its window.
     */
    @Test
    void paddingIsGrantedBackAtOnce() throws Exception {
        try (RawH2Peer peer = new RawH2Peer(tmp, services(new AtomicLong()))) {
            assertThat(peer.sync(SYNC)).isTrue();
            peer.open(1, "/never.Read/Me");
            byte[] padded = new byte[256];
            padded[0] = (byte) 255; // the pad length byte, then 255 bytes of padding: the most a frame can pad
            long target = 2L * Http2Server.STREAM_WINDOW + (1 << 20);
            long sent = 0;
            while (sent < target) {
                if (Math.min(peer.streamGrant(1), peer.connectionGrant()) - sent < padded.length) {
                    assertThat(peer.sync(SYNC)).as("the server answers a PING").isTrue();
                    assertThat(Math.min(peer.streamGrant(1), peer.connectionGrant()) - sent)
                            .as("room after " + sent + " bytes of padding on a stream nobody reads")
                            .isGreaterThanOrEqualTo(padded.length);
                }
                peer.frame(Http2Server.DATA, Http2Server.FLAG_PADDED, 1, padded);
                sent += padded.length;
            }
            assertThat(peer.sync(SYNC)).isTrue();
            assertThat(peer.sawGoaway()).isFalse();
        }
    }

    private static byte[] int32(int value) {
        byte[] b = new byte[4];
        Http2Server.put32(b, 0, value);
        return b;
    }

    private static Throwable readOne(Http2Stream s) {
        try {
            s.readMessage();
            return null;
        } catch (IOException | RuntimeException e) {
            return e;
        }
    }
}
