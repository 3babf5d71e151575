package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.context.SyncedDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The messages of BuildKit's file sync (the {@code fsutil.types.Packet} protocol buffer, with its {@code Stat}):
 * encoded by hand, as the engine already decodes BuildKit's progress, to keep protobuf libraries out.
 *
 * <pre>
 * Packet { PacketType type = 1; Stat stat = 2; uint32 ID = 3; bytes data = 4; }
 * Stat   { string path = 1; uint32 mode = 2; uint32 uid = 3; uint32 gid = 4; int64 size = 5; int64 modTime = 6;
 *          string linkname = 7; int64 devmajor = 8; int64 devminor = 9; map&lt;string, bytes&gt; xattrs = 10; }
 * </pre>
 */
final class FsPacket {

    static final int STAT = 0;
    static final int REQ = 1;
    static final int DATA = 2;
    static final int FIN = 3;
    static final int ERR = 4;

    /** A packet the daemon sent: its type, the file id of a request, the text of an error. */
    record Received(int type, int id, byte[] data) {}

    private FsPacket() {}

    /** A STAT packet for an entry; null entry means the end of the walk. */
    static byte[] stat(SyncedDirectory.Entry e) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        if (e != null) {
            ByteArrayOutputStream s = new ByteArrayOutputStream(64 + e.path().length());
            string(s, 1, e.path());
            varint(s, 2, e.goMode() & 0xffffffffL);
            varint(s, 5, e.size());
            varint(s, 6, e.mtimeNanos());
            string(s, 7, e.linkname());
            bytes(p, 2, s.toByteArray());
        }
        return p.toByteArray();
    }

    /** A DATA packet: a chunk of file {@code id}, or its end when {@code len} is 0. */
    static byte[] data(int id, byte[] buf, int off, int len) {
        // file contents pass through here: the header is small, the chunk is copied once into the exact array
        ByteArrayOutputStream head = new ByteArrayOutputStream(16);
        varint(head, 1, DATA);
        varint(head, 3, id & 0xffffffffL);
        if (len > 0) {
            tag(head, 4, 2);
            rawVarint(head, len);
        }
        byte[] p = new byte[head.size() + len];
        System.arraycopy(head.toByteArray(), 0, p, 0, head.size());
        System.arraycopy(buf, off, p, head.size(), len);
        return p;
    }

    static byte[] fin() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        varint(p, 1, FIN);
        return p.toByteArray();
    }

    static byte[] err(String message) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        varint(p, 1, ERR);
        bytes(p, 4, message.getBytes(StandardCharsets.UTF_8));
        return p.toByteArray();
    }

    static Received parse(byte[] m) throws IOException {
        int type = 0;
        int id = 0;
        byte[] data = new byte[0];
        int[] pos = {0};
        while (pos[0] < m.length) {
            long tag = readVarint(m, pos);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (wire) {
                case 0 -> {
                    long v = readVarint(m, pos);
                    if (field == 1) {
                        type = (int) v;
                    } else if (field == 3) {
                        id = (int) v;
                    }
                }
                case 2 -> {
                    int len = (int) readVarint(m, pos);
                    if (len < 0 || pos[0] + len > m.length) {
                        throw new IOException("file sync packet cut short");
                    }
                    if (field == 4) {
                        data = java.util.Arrays.copyOfRange(m, pos[0], pos[0] + len);
                    }
                    pos[0] += len;
                }
                case 1 -> pos[0] += 8;
                case 5 -> pos[0] += 4;
                default -> throw new IOException("file sync packet with wire type " + wire);
            }
        }
        return new Received(type, id, data);
    }

    private static long readVarint(byte[] m, int[] pos) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= m.length) {
                throw new IOException("file sync packet cut short");
            }
            byte b = m[pos[0]++];
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("file sync packet with an overlong number");
    }

    private static void string(ByteArrayOutputStream out, int field, String value) {
        if (value != null && !value.isEmpty()) {
            bytes(out, field, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        tag(out, field, 2);
        rawVarint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, int field, long value) {
        if (value != 0) {
            tag(out, field, 0);
            rawVarint(out, value);
        }
    }

    private static void tag(ByteArrayOutputStream out, int field, int wire) {
        rawVarint(out, ((long) field << 3) | wire);
    }

    private static void rawVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
