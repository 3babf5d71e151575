package io.jenkins.plugins.containerbuild.engine.proto;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Minimal cursor over protobuf wire-format bytes. Every read is bounds-checked against the current
 * limit, so a bogus length can never cause a large allocation or a read past the end.
 */
public final class ProtoReader {
    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LENGTH_DELIMITED = 2;
    public static final int START_GROUP = 3;
    public static final int END_GROUP = 4;
    public static final int FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int limit;

    public ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int offset, int limit) {
        this.buf = buf;
        this.pos = offset;
        this.limit = limit;
    }

    public boolean hasRemaining() {
        return pos < limit;
    }

    /** Reads the next field key; returns it as {@code fieldNumber << 3 | wireType}. */
    public int readTag() throws MalformedProtobufException {
        int at = pos;
        long key = readVarint();
        if (key > Integer.MAX_VALUE || (key >>> 3) == 0) {
            throw new MalformedProtobufException("invalid field key " + Long.toUnsignedString(key) + " at offset " + at);
        }
        int wireType = (int) key & 7;
        if (wireType == START_GROUP || wireType == END_GROUP) {
            throw new MalformedProtobufException("unsupported group wire type " + wireType + " for field " + (key >>> 3)
                    + " at offset " + at);
        }
        if (wireType > FIXED32) {
            throw new MalformedProtobufException("invalid wire type " + wireType + " for field " + (key >>> 3)
                    + " at offset " + at);
        }
        return (int) key;
    }

    public static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    public static int wireType(int tag) {
        return tag & 7;
    }

    public long readVarint() throws MalformedProtobufException {
        int start = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw truncated("varint", start);
            }
            byte b = buf[pos++];
            if (shift == 63 && (b & 0xFE) != 0) {
                throw new MalformedProtobufException("varint longer than 64 bits at offset " + start);
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new MalformedProtobufException("varint longer than 10 bytes at offset " + start);
    }

    private int readLength() throws MalformedProtobufException {
        int start = pos;
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw new MalformedProtobufException("length " + Long.toUnsignedString(len) + " at offset " + start
                    + " exceeds the " + (limit - pos) + " remaining bytes (truncated or corrupt message)");
        }
        return (int) len;
    }

    public byte[] readBytes() throws MalformedProtobufException {
        int len = readLength();
        byte[] out = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return out;
    }

    public String readString() throws MalformedProtobufException {
        int len = readLength();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** Returns a reader confined to the next length-delimited field and advances past it. */
    public ProtoReader readMessage() throws MalformedProtobufException {
        int len = readLength();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len);
        pos += len;
        return sub;
    }

    public Instant readTimestamp() throws MalformedProtobufException {
        ProtoReader r = readMessage();
        long seconds = 0;
        int nanos = 0;
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case (1 << 3) | VARINT -> seconds = r.readVarint();
                case (2 << 3) | VARINT -> nanos = (int) r.readVarint();
                default -> r.skipField(tag);
            }
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw new MalformedProtobufException("timestamp out of range: seconds=" + seconds + " nanos=" + nanos, e);
        }
    }

    /** Skips the value of a field whose key has already been read. */
    public void skipField(int tag) throws MalformedProtobufException {
        switch (wireType(tag)) {
            case VARINT -> readVarint();
            case FIXED64 -> skipRaw(8);
            case LENGTH_DELIMITED -> skipRaw(readLength());
            case FIXED32 -> skipRaw(4);
            default -> throw new MalformedProtobufException("cannot skip wire type " + wireType(tag));
        }
    }

    private void skipRaw(int n) throws MalformedProtobufException {
        if (n > limit - pos) {
            throw truncated(n + "-byte field", pos);
        }
        pos += n;
    }

    private static MalformedProtobufException truncated(String what, int offset) {
        return new MalformedProtobufException("truncated " + what + " at offset " + offset);
    }
}
