package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A peer cannot make the session server collect an endless header block, decode one into a huge header list, read
 * padding it does not have, take frames larger than it announced, or open streams without end.
 */
class Http2ServerLimitsTest {

    @Test
    void aFloodOfEmptyContinuationFramesEndsTheConnection() {
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        frame(peer, Http2Server.HEADERS, 0, 1, new byte[0]);
        for (int i = 0; i < 10_000; i++) {
            frame(peer, Http2Server.CONTINUATION, 0, 1, new byte[0]);
        }
        assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                .hasMessageContaining(Http2Server.MAX_CONTINUATIONS + " CONTINUATION frames");
    }

    @Test
    void aHeaderBlockLargerThanTheLimitEndsTheConnection() {
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        frame(peer, Http2Server.HEADERS, 0, 1, new byte[16_384]);
        for (int i = 0; i < 70; i++) {
            frame(peer, Http2Server.CONTINUATION, 0, 1, new byte[16_384]);
        }
        assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                .hasMessageContaining("header block longer than " + Http2Server.MAX_HEADER_BLOCK);
    }

    @Test
    void aPadLengthBeyondThePayloadIsAProtocolError() {
        for (int type : new int[] {Http2Server.HEADERS, Http2Server.DATA}) {
            ByteArrayOutputStream peer = new ByteArrayOutputStream();
            peer.writeBytes(Http2Server.PREFACE);
            frame(peer, type, Http2Server.FLAG_PADDED | Http2Server.FLAG_END_HEADERS, 1, new byte[] {(byte) 200, 1, 2});
            assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("HTTP/2 frame whose padding is longer than its payload");
        }
    }

    @Test
    void aFrameLargerThanAnnouncedIsAFrameSizeError() {
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        frame(peer, Http2Server.HEADERS, Http2Server.FLAG_END_HEADERS, 1, new byte[0]);
        frame(peer, Http2Server.DATA, 0, 1, new byte[Http2Server.MAX_FRAME + 1]);
        assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                .hasMessageContaining("frame of " + (Http2Server.MAX_FRAME + 1) + " bytes")
                .hasMessageContaining("FRAME_SIZE_ERROR");
    }

    @Test
    void aHeaderBlockThatDecodesToMoreThanTheHeaderListLimitIsRefused() {
        // one 4000-octet header in the dynamic table, then 1000 one-byte references to it: 4 MB of headers
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x40); // literal with incremental indexing, new name
        block.write(1);
        block.write('x');
        block.write(0x7f); // value length 4000: 127 + 3873 in the 7-bit prefix integer
        block.write((3873 & 0x7f) | 0x80);
        block.write(3873 >>> 7);
        block.writeBytes(new byte[4000]);
        for (int i = 0; i < 1000; i++) {
            block.write(0x80 | 62); // indexed: the newest dynamic entry
        }
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        frame(peer, Http2Server.HEADERS, Http2Server.FLAG_END_HEADERS, 1, block.toByteArray());
        assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                .hasMessageContaining("header list larger than " + Http2Server.MAX_HEADER_LIST);
    }

    @Test
    void streamsBeyondTheConcurrencyLimitAreRefused() throws IOException {
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        byte[] block = new Hpack.Encoder().encode(java.util.List.of(new Hpack.Header(":path", "/never/Ends")));
        for (int i = 0; i <= Http2Server.MAX_CONCURRENT_STREAMS; i++) {
            frame(peer, Http2Server.HEADERS, Http2Server.FLAG_END_HEADERS, 2 * i + 1, block);
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try {
            new Http2Server(new ByteArrayInputStream(peer.toByteArray()), wire, s -> {
                try {
                    release.await(); // every call stays open
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).serve();
        } finally {
            release.countDown();
        }
        byte[] w = wire.toByteArray();
        java.util.List<Integer> refused = new java.util.ArrayList<>();
        for (int at = 0; at + 9 <= w.length; ) {
            int length = ((w[at] & 0xff) << 16) | ((w[at + 1] & 0xff) << 8) | (w[at + 2] & 0xff);
            if ((w[at + 3] & 0xff) == Http2Server.RST_STREAM && Http2Server.get32(w, at + 9) == 0x7) {
                refused.add(Http2Server.get32(w, at + 5));
            }
            at += 9 + length;
        }
        assertThat(refused).as("streams refused with REFUSED_STREAM")
                .containsExactly(2 * Http2Server.MAX_CONCURRENT_STREAMS + 1);
    }

    @Test
    void aMaxFrameSizeSettingOutsideTheRfcRangeIsAProtocolError() {
        ByteArrayOutputStream peer = new ByteArrayOutputStream();
        peer.writeBytes(Http2Server.PREFACE);
        frame(peer, Http2Server.SETTINGS, 0, 0, new byte[] {0, 0x5, 0, 0, 0, 0}); // SETTINGS_MAX_FRAME_SIZE 0
        assertThatThrownBy(() -> serve(peer)).isInstanceOf(IOException.class)
                .hasMessageContaining("SETTINGS_MAX_FRAME_SIZE to 0").hasMessageContaining("PROTOCOL_ERROR");
    }

    private static void serve(ByteArrayOutputStream peer) throws IOException {
        new Http2Server(new ByteArrayInputStream(peer.toByteArray()), new ByteArrayOutputStream(), s -> { }).serve();
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
    }
}
