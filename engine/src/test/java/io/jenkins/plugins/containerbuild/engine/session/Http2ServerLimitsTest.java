package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A peer cannot make the session server collect an endless header block or read padding it does not have. */
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
