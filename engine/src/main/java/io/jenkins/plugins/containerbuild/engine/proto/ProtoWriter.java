package io.jenkins.plugins.containerbuild.engine.proto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes protocol buffer messages in the wire format, field by field: the encoding half of {@link ProtoReader}, shared
 * by every message the BuildKit session sends (file sync packets, secrets, credentials, SSH and file send bytes).
 * As protobuf's proto3 encoding does, a field with its default value (0, empty) is left out.
 */
public final class ProtoWriter {

    private final ByteArrayOutputStream out;

    public ProtoWriter() {
        this(64);
    }

    public ProtoWriter(int expectedSize) {
        out = new ByteArrayOutputStream(expectedSize);
    }

    /** A varint field (int32, uint32, int64, uint64, bool, enum); left out when 0. */
    public ProtoWriter varint(int field, long value) {
        if (value != 0) {
            tag(field, ProtoReader.VARINT);
            rawVarint(value);
        }
        return this;
    }

    public ProtoWriter bool(int field, boolean value) {
        return varint(field, value ? 1 : 0);
    }

    /** A string field in UTF-8; left out when null or empty. */
    public ProtoWriter string(int field, String value) {
        if (value != null && !value.isEmpty()) {
            bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    /** A bytes field, written even when empty (for messages and repeated or map entries the presence matters). */
    public ProtoWriter bytes(int field, byte[] value) {
        return bytes(field, value, 0, value.length);
    }

    public ProtoWriter bytes(int field, byte[] value, int off, int len) {
        tag(field, ProtoReader.LENGTH_DELIMITED);
        rawVarint(len);
        out.write(value, off, len);
        return this;
    }

    /** A bytes field left out when empty, as proto3 does for a scalar bytes field. */
    public ProtoWriter optionalBytes(int field, byte[] value) {
        return value == null || value.length == 0 ? this : bytes(field, value);
    }

    /** An embedded message. */
    public ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.out.toByteArray());
    }

    /** One entry of a {@code map<string, string>} field. */
    public ProtoWriter mapEntry(int field, String key, String value) {
        return message(field, new ProtoWriter().string(1, key).string(2, value));
    }

    public int size() {
        return out.size();
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /**
     * The message's bytes followed by {@code len} bytes of {@code payload} as field {@code field}: one copy of a large
     * chunk (file contents), straight into the array that is sent.
     */
    public byte[] toByteArrayWith(int field, byte[] payload, int off, int len) {
        ProtoWriter head = new ProtoWriter(16);
        head.tag(field, ProtoReader.LENGTH_DELIMITED);
        head.rawVarint(len);
        byte[] p = Arrays.copyOf(out.toByteArray(), out.size() + head.size() + len);
        System.arraycopy(head.out.toByteArray(), 0, p, out.size(), head.size());
        System.arraycopy(payload, off, p, out.size() + head.size(), len);
        return p;
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
