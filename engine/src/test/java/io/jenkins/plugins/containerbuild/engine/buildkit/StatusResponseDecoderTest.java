package io.jenkins.plugins.containerbuild.engine.buildkit;

import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import static io.jenkins.plugins.containerbuild.engine.buildkit.TestProto.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class StatusResponseDecoderTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123456789Z");
    private static final Instant T1 = Instant.parse("2024-05-01T10:00:02Z");

    @Test
    void decodesAllMessageKinds() throws Exception {
        byte[] bytes = msg()
                .message(1, msg().string(1, "sha256:aaa").string(2, "sha256:in1").string(2, "sha256:in2")
                        .string(3, "[2/2] COPY . /app").varint(4, 1).timestamp(5, T0).timestamp(6, T1)
                        .string(7, "boom"))
                .message(2, msg().string(1, "sha256:layer").string(2, "sha256:aaa").string(3, "extracting")
                        .varint(4, 1_234_567_890_123L).varint(5, 9_999_999_999L).timestamp(6, T1)
                        .timestamp(7, T0).timestamp(8, T1))
                .message(3, msg().string(1, "sha256:aaa").timestamp(2, T0).varint(3, 2)
                        .bytes(4, "héllo\n".getBytes(StandardCharsets.UTF_8)))
                .message(4, msg().string(1, "sha256:aaa").varint(2, 1).bytes(3, "short".getBytes())
                        .bytes(4, "d1".getBytes()).bytes(4, "d2".getBytes()).string(5, "https://x/y")
                        .message(6, msg().string(1, "ignored source info")))
                .toBytes();

        StatusResponse r = StatusResponse.parse(bytes);

        assertThat(r.vertexes()).containsExactly(new Vertex("sha256:aaa", java.util.List.of("sha256:in1", "sha256:in2"),
                "[2/2] COPY . /app", true, T0, T1, "boom"));
        assertThat(r.statuses()).containsExactly(new VertexStatus("sha256:layer", "sha256:aaa", "extracting",
                1_234_567_890_123L, 9_999_999_999L, T1, T0, T1));
        assertThat(r.logs()).hasSize(1);
        VertexLog log = r.logs().get(0);
        assertThat(log.vertex()).isEqualTo("sha256:aaa");
        assertThat(log.timestamp()).isEqualTo(T0);
        assertThat(log.stream()).isEqualTo(2);
        assertThat(new String(log.msg(), StandardCharsets.UTF_8)).isEqualTo("héllo\n");
        assertThat(r.warnings()).containsExactly(
                new VertexWarning("sha256:aaa", 1, "short", java.util.List.of("d1", "d2"), "https://x/y"));
    }

    @Test
    void absentFieldsAreEmptyOrNull() throws Exception {
        StatusResponse r = StatusResponse.parse(msg().message(1, msg()).toBytes());
        Vertex v = r.vertexes().get(0);
        assertThat(v.digest()).isEmpty();
        assertThat(v.name()).isEmpty();
        assertThat(v.started()).isNull();
        assertThat(v.completed()).isNull();
        assertThat(v.cached()).isFalse();
        assertThat(v.failed()).isFalse();
        assertThat(StatusResponse.parse(new byte[0])).isEqualTo(new StatusResponse(null, null, null, null));
    }

    @Test
    void skipsUnknownFieldsOfEveryWireType() throws Exception {
        byte[] bytes = msg()
                .varint(99, 12345).fixed64(100, -1L).fixed32(101, 7).string(102, "x")
                .message(1, msg().varint(50, 1).string(1, "d").fixed64(51, 5).fixed32(52, 6).string(53, "zz")
                        .varint(3, 42) /* known field number, wrong wire type: skipped */
                        .string(3, "name")
                        .message(5, msg().varint(1, 10).fixed32(9, 1).varint(2, 5)))
                .toBytes();
        Vertex v = StatusResponse.parse(bytes).vertexes().get(0);
        assertThat(v.digest()).isEqualTo("d");
        assertThat(v.name()).isEqualTo("name");
        assertThat(v.started()).isEqualTo(Instant.ofEpochSecond(10, 5));
    }

    @Test
    void decodesNegativeAndMaxVarints() throws Exception {
        byte[] bytes = msg().message(2, msg().varint(4, -1L).varint(5, Long.MAX_VALUE)).toBytes();
        VertexStatus s = StatusResponse.parse(bytes).statuses().get(0);
        assertThat(s.current()).isEqualTo(-1L);
        assertThat(s.total()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void decodesBase64Aux() throws Exception {
        byte[] bytes = msg().message(1, msg().string(1, "d").string(3, "[1/1] FROM x")).toBytes();
        StatusResponse r = StatusResponse.parseBase64(Base64.getEncoder().encodeToString(bytes));
        assertThat(r.vertexes().get(0).name()).isEqualTo("[1/1] FROM x");
        assertThatThrownBy(() -> StatusResponse.parseBase64("not base64!"))
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("base64");
        assertThatThrownBy(() -> StatusResponse.parseBase64(null)).isInstanceOf(MalformedProtobufException.class);
    }

    @Test
    void rejectsGroups() {
        assertMalformed(msg().key(7, 3).toBytes(), "group");
        assertMalformed(msg().key(7, 4).toBytes(), "group");
        assertMalformed(msg().message(1, msg().key(2, 3)).toBytes(), "group");
    }

    @Test
    void rejectsInvalidWireTypesAndFieldZero() {
        assertMalformed(msg().key(7, 6).toBytes(), "wire type");
        assertMalformed(msg().key(7, 7).toBytes(), "wire type");
        assertMalformed(msg().raw(0x00).toBytes(), "field key");
        assertMalformed(msg().rawVarint(1L << 40).toBytes(), "field key");
    }

    @Test
    void rejectsTruncatedInput() {
        byte[] full = msg().message(1, msg().string(1, "sha256:abc").string(3, "name")).toBytes();
        for (int cut = 1; cut < full.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(full, cut);
            assertThatThrownBy(() -> StatusResponse.parse(part)).as("cut at %d", cut)
                    .isInstanceOf(MalformedProtobufException.class);
        }
        assertMalformed(msg().raw(0x08, 0x80).toBytes(), "truncated varint");
        assertMalformed(msg().key(9, 1).raw(1, 2, 3).toBytes(), "truncated");
        assertMalformed(msg().key(9, 5).raw(1).toBytes(), "truncated");
    }

    @Test
    void rejectsBogusLengthsWithoutAllocating() {
        assertMalformed(msg().key(1, 2).rawVarint(Integer.MAX_VALUE).toBytes(), "exceeds");
        assertMalformed(msg().key(3, 2).rawVarint(-1L).toBytes(), "exceeds");
        assertMalformed(msg().key(1, 2).rawVarint(1L << 40).raw(1, 2).toBytes(), "exceeds");
        // nested message claims more than its parent holds
        assertMalformed(msg().key(1, 2).rawVarint(3).key(1, 2).rawVarint(50).raw(0).toBytes(), "exceeds");
    }

    @Test
    void rejectsOverlongVarints() {
        assertMalformed(msg().raw(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01).toBytes(), "varint");
        assertMalformed(msg().raw(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02).toBytes(), "64 bits");
    }

    @Test
    void rejectsOutOfRangeTimestamp() {
        byte[] bytes = msg().message(1, msg().message(5, msg().varint(1, Long.MAX_VALUE))).toBytes();
        assertMalformed(bytes, "timestamp");
    }

    /** Random bytes end, within a deadline, either as a response or as MalformedProtobufException, nothing else. */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void garbageNeverHangs() throws Exception {
        java.util.Random random = new java.util.Random(42);
        int parsed = 0;
        int malformed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            try {
                StatusResponse r = StatusResponse.parse(b);
                assertThat(r.vertexes()).isNotNull();
                assertThat(r.logs()).isNotNull();
                parsed++;
            } catch (MalformedProtobufException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                malformed++;
            }
        }
        assertThat(parsed + malformed).isEqualTo(20_000);
        assertThat(parsed).as("some garbage is a valid (empty or unknown-field) response").isPositive();
        assertThat(malformed).as("most garbage is refused").isGreaterThan(parsed);
    }

    private static void assertMalformed(byte[] bytes, String messagePart) {
        assertThatThrownBy(() -> StatusResponse.parse(bytes)).isInstanceOf(MalformedProtobufException.class)
                .hasMessageContaining(messagePart);
    }
}
