package io.jenkins.plugins.containerbuild.engine.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.session.Hpack.Header;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** HPACK against the examples of RFC 7541 Appendix C, plus round trips and malformed blocks. */
class HpackTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    private static Header h(String name, String value) {
        return new Header(name, value);
    }

    private static List<Header> decode(Hpack.Decoder decoder, String hex) throws HpackException {
        return decoder.decode(hex(hex));
    }

    // --- Appendix B: the transcribed Huffman code --------------------------------------------------------------

    @Test
    void huffmanCodeIsACompletePrefixCode() {
        // Kraft: sum of 2^-len over the 257 symbols is exactly 1, counted in units of 2^-30 (the longest code).
        long sum = 0;
        for (int s = 0; s <= HpackHuffman.EOS; s++) {
            int len = HpackHuffman.length(s);
            assertThat(len).as("length of %d", s).isBetween(5, 30);
            assertThat(HpackHuffman.code(s) >>> len).as("code of %d fits its length", s).isZero();
            sum += 1L << (30 - len);
        }
        assertThat(sum).isEqualTo(1L << 30);
        assertThat(HpackHuffman.code(HpackHuffman.EOS)).isEqualTo((1 << 30) - 1);
    }

    @Test
    void huffmanCodeIsCanonical() {
        // Appendix B says the code is canonical: ordered by (length, symbol), each code is the previous plus one,
        // shifted left by the growth in length. A typo in any transcribed code breaks this chain.
        List<Integer> symbols = new ArrayList<>();
        for (int s = 0; s <= HpackHuffman.EOS; s++) {
            symbols.add(s);
        }
        symbols.sort(Comparator.comparingInt(HpackHuffman::length).thenComparingInt(s -> s));
        assertThat(HpackHuffman.code(symbols.get(0))).isZero();
        for (int i = 1; i < symbols.size(); i++) {
            int prev = symbols.get(i - 1);
            int cur = symbols.get(i);
            long expected = (HpackHuffman.code(prev) + 1L) << (HpackHuffman.length(cur) - HpackHuffman.length(prev));
            assertThat((long) HpackHuffman.code(cur)).as("code of symbol %d", cur).isEqualTo(expected);
        }
    }

    // --- Appendix A: the static table --------------------------------------------------------------------------

    @Test
    void staticTableHas61Entries() {
        List<Header> t = Hpack.staticTable();
        assertThat(t).hasSize(61).doesNotHaveDuplicates();
        assertThat(t.get(0)).isEqualTo(h(":authority", ""));
        assertThat(t.get(15)).isEqualTo(h("accept-encoding", "gzip, deflate"));
        assertThat(t.get(30)).isEqualTo(h("content-type", ""));
        assertThat(t.get(54)).isEqualTo(h("set-cookie", ""));
        assertThat(t.get(60)).isEqualTo(h("www-authenticate", ""));
    }

    // --- C.1 integers (C.1.2: 1337 on a 5-bit prefix, as a dynamic table size update) --------------------------

    @Test
    void c1_2_integerOnFiveBitPrefix() throws Exception {
        assertThat(decode(new Hpack.Decoder(1337), "3f9a0a")).isEmpty();
        assertThatThrownBy(() -> decode(new Hpack.Decoder(1336), "3f9a0a"))
                .isInstanceOf(HpackException.class).hasMessageContaining("1337");
    }

    // --- C.2 header field representations -----------------------------------------------------------------------

    @Test
    void c2_1_literalWithIndexing() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder();
        assertThat(decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))
                .containsExactly(h("custom-key", "custom-header"));
        assertThat(d.dynamicTable()).containsExactly(h("custom-key", "custom-header"));
        assertThat(d.dynamicTableSize()).isEqualTo(55);
    }

    @Test
    void c2_2_literalWithoutIndexing() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder();
        assertThat(decode(d, "040c 2f73 616d 706c 652f 7061 7468")).containsExactly(h(":path", "/sample/path"));
        assertThat(d.dynamicTable()).isEmpty();
        assertThat(d.dynamicTableSize()).isZero();
    }

    @Test
    void c2_3_literalNeverIndexed() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder();
        assertThat(decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74")).containsExactly(h("password", "secret"));
        assertThat(d.dynamicTable()).isEmpty();
    }

    @Test
    void c2_4_indexed() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder();
        assertThat(decode(d, "82")).containsExactly(h(":method", "GET"));
        assertThat(d.dynamicTable()).isEmpty();
    }

    // --- C.3 / C.4 requests, one connection each -----------------------------------------------------------------

    private static final List<Header> REQUEST_1 = List.of(
            h(":method", "GET"), h(":scheme", "http"), h(":path", "/"), h(":authority", "www.example.com"));
    private static final List<Header> REQUEST_2 = List.of(
            h(":method", "GET"), h(":scheme", "http"), h(":path", "/"), h(":authority", "www.example.com"),
            h("cache-control", "no-cache"));
    private static final List<Header> REQUEST_3 = List.of(
            h(":method", "GET"), h(":scheme", "https"), h(":path", "/index.html"),
            h(":authority", "www.example.com"), h("custom-key", "custom-value"));

    private static void requests(String block1, String block2, String block3) throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        assertThat(decode(d, block1)).isEqualTo(REQUEST_1);
        assertThat(d.dynamicTable()).containsExactly(h(":authority", "www.example.com"));
        assertThat(d.dynamicTableSize()).isEqualTo(57);

        assertThat(decode(d, block2)).isEqualTo(REQUEST_2);
        assertThat(d.dynamicTable())
                .containsExactly(h("cache-control", "no-cache"), h(":authority", "www.example.com"));
        assertThat(d.dynamicTableSize()).isEqualTo(110);

        assertThat(decode(d, block3)).isEqualTo(REQUEST_3);
        assertThat(d.dynamicTable()).containsExactly(
                h("custom-key", "custom-value"), h("cache-control", "no-cache"), h(":authority", "www.example.com"));
        assertThat(d.dynamicTableSize()).isEqualTo(164);
    }

    @Test
    void c3_requestsWithoutHuffman() throws Exception {
        requests(
                "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                "8286 84be 5808 6e6f 2d63 6163 6865",
                "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65");
    }

    @Test
    void c4_requestsWithHuffman() throws Exception {
        requests(
                "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
                "8286 84be 5886 a8eb 1064 9cbf",
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf");
    }

    // --- C.5 / C.6 responses with a 256-octet table: eviction ----------------------------------------------------

    private static final String SET_COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static void responses(String block1, String block2, String block3) throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(256);
        assertThat(decode(d, block1)).containsExactly(
                h(":status", "302"), h("cache-control", "private"), h("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                h("location", "https://www.example.com"));
        assertThat(d.dynamicTable()).containsExactly(
                h("location", "https://www.example.com"), h("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                h("cache-control", "private"), h(":status", "302"));
        assertThat(d.dynamicTableSize()).isEqualTo(222);

        assertThat(decode(d, block2)).containsExactly(
                h(":status", "307"), h("cache-control", "private"), h("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
                h("location", "https://www.example.com"));
        assertThat(d.dynamicTable()).containsExactly(
                h(":status", "307"), h("location", "https://www.example.com"),
                h("date", "Mon, 21 Oct 2013 20:13:21 GMT"), h("cache-control", "private"));
        assertThat(d.dynamicTableSize()).isEqualTo(222);

        assertThat(decode(d, block3)).containsExactly(
                h(":status", "200"), h("cache-control", "private"), h("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
                h("location", "https://www.example.com"), h("content-encoding", "gzip"), h("set-cookie", SET_COOKIE));
        assertThat(d.dynamicTable()).containsExactly(
                h("set-cookie", SET_COOKIE), h("content-encoding", "gzip"),
                h("date", "Mon, 21 Oct 2013 20:13:22 GMT"));
        assertThat(d.dynamicTableSize()).isEqualTo(215);
    }

    @Test
    void c5_responsesWithoutHuffman() throws Exception {
        responses(
                "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133"
                        + "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70"
                        + "6c65 2e63 6f6d",
                "4803 3330 37c1 c0bf",
                "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d"
                        + "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049"
                        + "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e"
                        + "3d31");
    }

    @Test
    void c6_responsesWithHuffman() throws Exception {
        responses(
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6"
                        + "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
                "4883 640e ffc1 c0bf",
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab"
                        + "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
                        + "9587 3160 65c0 03ed 4ee5 b106 3d50 07");
    }

    // --- dynamic table limits ---------------------------------------------------------------------------------

    @Test
    void tableSizeUpdatesEvictAndAreBoundedByTheLimit() throws Exception {
        Hpack.Decoder d = new Hpack.Decoder(4096);
        decode(d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
        assertThat(d.dynamicTableSize()).isEqualTo(57);
        assertThat(decode(d, "20 82")).containsExactly(h(":method", "GET")); // size 0: evicts everything
        assertThat(d.dynamicTable()).isEmpty();
        assertThat(decode(d, "4003 6162 6301 78")).containsExactly(h("abc", "x")); // capacity 0: not added
        assertThat(d.dynamicTable()).isEmpty();
        assertThat(decode(d, "3fe11f 4003 6162 6301 78")).containsExactly(h("abc", "x")); // back to 4096
        assertThat(d.dynamicTable()).containsExactly(h("abc", "x"));
        assertThat(d.dynamicTableSize()).isEqualTo(36);
    }

    // --- our encoder ----------------------------------------------------------------------------------------

    @Test
    void encoderUsesStaticIndexesAndLiteralsWithoutIndexing() {
        Hpack.Encoder e = new Hpack.Encoder();
        assertThat(e.encode(List.of(h(":status", "200")))).isEqualTo(hex("88"));
        // content-type is static index 31: 4-bit prefix 15, then 16
        assertThat(e.encode(List.of(h("content-type", "application/grpc"))))
                .isEqualTo(hex("0f10 10" + HexFormat.of().formatHex("application/grpc".getBytes())));
        assertThat(e.encode(List.of(h("grpc-status", "0"))))
                .isEqualTo(hex("000b" + HexFormat.of().formatHex("grpc-status".getBytes()) + "0130"));
    }

    @Test
    void roundTripOfGrpcHeadersLeavesTheTableEmpty() throws Exception {
        List<Header> headers = List.of(
                h(":method", "POST"),
                h(":scheme", "http"),
                h(":path", "/moby.filesync.v1.FileSync/DiffCopy"),
                h(":authority", "localhost"),
                h("content-type", "application/grpc"),
                h("te", "trailers"),
                h("grpc-status", "0"),
                h(":status", "200"),
                h("grpc-message", "Grüße, 世界 ✓"),
                h("x-long", "v".repeat(300)),
                h("empty", ""));
        Hpack.Decoder d = new Hpack.Decoder();
        byte[] block = new Hpack.Encoder().encode(headers);
        assertThat(d.decode(block)).isEqualTo(headers);
        assertThat(d.dynamicTable()).isEmpty();
        assertThat(d.dynamicTableSize()).isZero();
    }

    // --- malformed blocks -------------------------------------------------------------------------------------

    private static void assertMalformed(String hex, String message) {
        assertMalformed(new Hpack.Decoder(), hex, message);
    }

    private static void assertMalformed(Hpack.Decoder d, String hex, String message) {
        assertThatThrownBy(() -> decode(d, hex)).isInstanceOf(HpackException.class).hasMessageContaining(message);
    }

    @Test
    void malformedBlocksAreRejected() {
        assertMalformed("ff", "ends in the middle");                    // integer prefix full, no continuation
        assertMalformed("ff 80", "ends in the middle");                 // continuation bit, then nothing
        assertMalformed("ff ff ff ff ff 0f", "too large");              // beyond Integer.MAX_VALUE
        assertMalformed("ff 80 80 80 80 80 00", "too long");            // more continuation octets than an int needs
        assertMalformed("80", "index 0");
        assertMalformed("be", "index 62 is beyond");                    // empty dynamic table
        assertMalformed("0f 2f 01", "index 62 is beyond");             // literal naming a missing entry
        assertMalformed("01", "before a string");                       // literal without its value
        assertMalformed("01 05 6162", "runs past the end");
        assertMalformed("01 81 18", "not all ones");                    // 'a' = 00011, then padding 000
        assertMalformed("01 82 1f ff", "11 bits of padding");           // 'a', then 11 one bits
        assertMalformed("01 84 ffff ffff", "EOS");                      // 30 one bits are EOS
        assertMalformed("01 85 1f ff ff ff fc", "EOS");                 // 'a', then EOS inside the string
        assertMalformed("82 20", "after a header field");               // size update must come first
        assertMalformed(new Hpack.Decoder(256), "3fe201", "exceeds the limit of 256"); // 257
    }

    @Test
    void tableSizeUpdateAtTheLimitIsAccepted() throws Exception {
        assertThat(decode(new Hpack.Decoder(256), "3fe101 82")).containsExactly(h(":method", "GET")); // 256
    }
}
