package io.jenkins.plugins.containerbuild.engine.buildkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Tiny protobuf encoder for tests: builds messages field by field (public for the plugin's log tests). */
public final class TestProto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static TestProto msg() {
        return new TestProto();
    }

    TestProto raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    TestProto rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    TestProto key(int field, int wireType) {
        return rawVarint((long) field << 3 | wireType);
    }

    TestProto varint(int field, long v) {
        return key(field, 0).rawVarint(v);
    }

    TestProto bytes(int field, byte[] b) {
        key(field, 2).rawVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    TestProto string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    public TestProto message(int field, TestProto m) {
        return bytes(field, m.toBytes());
    }

    TestProto fixed64(int field, long v) {
        key(field, 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    TestProto fixed32(int field, int v) {
        key(field, 5);
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    TestProto timestamp(int field, Instant t) {
        return message(field, msg().varint(1, t.getEpochSecond()).varint(2, t.getNano()));
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    // --- BuildKit message helpers ---

    public static TestProto vertex(String digest, String name, Instant started, Instant completed, boolean cached, String error) {
        TestProto v = msg().string(1, digest).string(3, name);
        if (cached) {
            v.varint(4, 1);
        }
        if (started != null) {
            v.timestamp(5, started);
        }
        if (completed != null) {
            v.timestamp(6, completed);
        }
        if (error != null) {
            v.string(7, error);
        }
        return v;
    }

    public static TestProto log(String vertex, int stream, String text) {
        return msg().string(1, vertex).timestamp(2, Instant.EPOCH).varint(3, stream)
                .bytes(4, text.getBytes(StandardCharsets.UTF_8));
    }
}
