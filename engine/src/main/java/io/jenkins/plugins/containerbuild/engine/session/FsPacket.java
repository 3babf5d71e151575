package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import io.jenkins.plugins.containerbuild.engine.context.SyncedDirectory;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The messages of BuildKit's file sync (the {@code fsutil.types.Packet} protocol buffer, with its {@code Stat}),
 * written and read with the engine's one protobuf reader/writer pair.
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

    /**
     * A file's metadata as a packet carries it. A received path and linkname hold their bytes as {@link FileNames}
     * strings (an invalid UTF-8 byte as a lone surrogate).
     */
    record Stat(String path, int mode, int uid, int gid, long size, long modTime, String linkname) {}

    /** A packet the peer sent: its type, the file id, the data (a chunk, or the text of an error), the stat. */
    record Received(int type, int id, byte[] data, Stat stat) {}

    private FsPacket() {}

    /** A STAT packet for an entry; null entry means the end of the walk. */
    static byte[] stat(SyncedDirectory.Entry e) {
        ProtoWriter p = new ProtoWriter(80);
        if (e != null) {
            // a protobuf string is bytes on the wire: names go as the bytes on disk, valid UTF-8 or not (FileNames)
            p.message(2, new ProtoWriter(64 + e.path().length())
                    .optionalBytes(1, FileNames.encode(e.path()))
                    .varint(2, e.goMode() & 0xffffffffL)
                    .varint(5, e.size())
                    .varint(6, e.mtimeNanos())
                    .optionalBytes(7, FileNames.encode(e.linkname())));
        }
        return p.toByteArray();
    }

    /** A DATA packet: a chunk of file {@code id}, or its end when {@code len} is 0. */
    static byte[] data(int id, byte[] buf, int off, int len) {
        ProtoWriter head = new ProtoWriter(16).varint(1, DATA).varint(3, id & 0xffffffffL);
        // file contents pass through here: the chunk is copied once, into the array that is sent
        return len > 0 ? head.toByteArrayWith(4, buf, off, len) : head.toByteArray();
    }

    /** A REQ packet: asks the sender for the content of file {@code id}. */
    static byte[] req(int id) {
        return new ProtoWriter(8).varint(1, REQ).varint(3, id & 0xffffffffL).toByteArray();
    }

    static byte[] fin() {
        return new ProtoWriter(4).varint(1, FIN).toByteArray();
    }

    static byte[] err(String message) {
        return new ProtoWriter().varint(1, ERR).bytes(4, message.getBytes(StandardCharsets.UTF_8)).toByteArray();
    }

    static Received parse(byte[] m) throws IOException {
        int type = 0;
        int id = 0;
        byte[] data = new byte[0];
        Stat stat = null;
        ProtoReader r = new ProtoReader(m);
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (ProtoReader.fieldNumber(tag)) {
                case 1 -> type = (int) r.readVarint();
                case 2 -> stat = stat(r.readMessage());
                case 3 -> id = (int) r.readVarint();
                case 4 -> data = r.readBytes();
                default -> r.skipField(tag);
            }
        }
        return new Received(type, id, data, stat);
    }

    private static Stat stat(ProtoReader r) throws IOException {
        String path = "";
        String linkname = "";
        long mode = 0;
        long uid = 0;
        long gid = 0;
        long size = 0;
        long modTime = 0;
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (ProtoReader.fieldNumber(tag)) {
                case 1 -> path = FileNames.decode(r.readBytes()); // a name is bytes: kept exactly, whatever the locale
                case 2 -> mode = r.readVarint();
                case 3 -> uid = r.readVarint();
                case 4 -> gid = r.readVarint();
                case 5 -> size = r.readVarint();
                case 6 -> modTime = r.readVarint();
                case 7 -> linkname = FileNames.decode(r.readBytes());
                default -> r.skipField(tag);
            }
        }
        return new Stat(path, (int) mode, (int) uid, (int) gid, size, modTime, linkname);
    }
}
