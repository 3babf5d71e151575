package io.jenkins.plugins.containerbuild.engine.proto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The writer against the encodings the protobuf documentation gives ("Encoding", protobuf.dev), and the reader. */
class ProtoWriterTest {

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    @Test
    void documentedEncodings() {
        // message Test1 { int32 a = 1; } with a = 150
        assertThat(new ProtoWriter().varint(1, 150).toByteArray()).isEqualTo(hex("08 96 01"));
        // message Test2 { string b = 2; } with b = "testing"
        assertThat(new ProtoWriter().string(2, "testing").toByteArray()).isEqualTo(hex("12 07 74 65 73 74 69 6e 67"));
        // message Test3 { Test1 c = 3; } with c.a = 150
        assertThat(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).toByteArray())
                .isEqualTo(hex("1a 03 08 96 01"));
    }

    @Test
    void defaultsAreLeftOutButBytesAndMessagesAreNot() {
        assertThat(new ProtoWriter().varint(1, 0).string(2, "").string(3, null).bool(4, false).toByteArray()).isEmpty();
        assertThat(new ProtoWriter().bytes(1, new byte[0]).toByteArray()).isEqualTo(hex("0a 00"));
        assertThat(new ProtoWriter().optionalBytes(1, new byte[0]).toByteArray()).isEmpty();
    }

    @Test
    void payloadAppendedInOneCopyReadsBack() throws Exception {
        byte[] payload = new byte[300];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        byte[] m = new ProtoWriter().varint(1, 2).varint(3, 7).toByteArrayWith(4, payload, 10, 200);
        ProtoReader r = new ProtoReader(m);
        assertThat(r.readTag()).isEqualTo(1 << 3);
        assertThat(r.readVarint()).isEqualTo(2);
        assertThat(r.readTag()).isEqualTo(3 << 3);
        assertThat(r.readVarint()).isEqualTo(7);
        assertThat(r.readTag()).isEqualTo(4 << 3 | ProtoReader.LENGTH_DELIMITED);
        byte[] back = r.readBytes();
        assertThat(back).hasSize(200).startsWith((byte) 10).endsWith((byte) 209);
        assertThat(r.hasRemaining()).isFalse();
    }

    @Test
    void mapEntriesAndNegativeVarints() throws Exception {
        byte[] m = new ProtoWriter().mapEntry(5, "k", "v").varint(6, -1).toByteArray();
        ProtoReader r = new ProtoReader(m);
        assertThat(r.readTag()).isEqualTo(5 << 3 | ProtoReader.LENGTH_DELIMITED);
        ProtoReader entry = r.readMessage();
        entry.readTag();
        assertThat(entry.readString()).isEqualTo("k");
        entry.readTag();
        assertThat(entry.readString()).isEqualTo("v");
        r.readTag();
        assertThat(r.readVarint()).isEqualTo(-1L); // ten bytes, as int64 -1 is encoded
        assertThat(m.length).isEqualTo(2 + 6 + 1 + 10);
    }
}
