package io.jenkins.plugins.containerbuild.engine.session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HPACK, the header compression of HTTP/2 (RFC 7541), for the small HTTP/2 server that receives the daemon's gRPC
 * session calls. The {@link Decoder} reads what the daemon's Go client sends (Huffman-coded strings and its own
 * dynamic table); the {@link Encoder} writes our responses and trailers without ever touching the peer's dynamic
 * table, so it keeps no state.
 *
 * <p>Strings are octets on the wire; we read and write them as UTF-8, which is exact for the ASCII that HTTP
 * headers normally carry. Table entry sizes are counted in octets as received (RFC 7541 Section 4.1).
 */
public final class Hpack {

    /** The default SETTINGS_HEADER_TABLE_SIZE of HTTP/2 (RFC 7540 Section 6.5.2). */
    public static final int DEFAULT_TABLE_SIZE = 4096;

    /** One header field. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    /** RFC 7541 Appendix A; index i is at position i - 1. */
    private static final List<Header> STATIC_TABLE = List.of(
            new Header(":authority", ""),
            new Header(":method", "GET"),
            new Header(":method", "POST"),
            new Header(":path", "/"),
            new Header(":path", "/index.html"),
            new Header(":scheme", "http"),
            new Header(":scheme", "https"),
            new Header(":status", "200"),
            new Header(":status", "204"),
            new Header(":status", "206"),
            new Header(":status", "304"),
            new Header(":status", "400"),
            new Header(":status", "404"),
            new Header(":status", "500"),
            new Header("accept-charset", ""),
            new Header("accept-encoding", "gzip, deflate"),
            new Header("accept-language", ""),
            new Header("accept-ranges", ""),
            new Header("accept", ""),
            new Header("access-control-allow-origin", ""),
            new Header("age", ""),
            new Header("allow", ""),
            new Header("authorization", ""),
            new Header("cache-control", ""),
            new Header("content-disposition", ""),
            new Header("content-encoding", ""),
            new Header("content-language", ""),
            new Header("content-length", ""),
            new Header("content-location", ""),
            new Header("content-range", ""),
            new Header("content-type", ""),
            new Header("cookie", ""),
            new Header("date", ""),
            new Header("etag", ""),
            new Header("expect", ""),
            new Header("expires", ""),
            new Header("from", ""),
            new Header("host", ""),
            new Header("if-match", ""),
            new Header("if-modified-since", ""),
            new Header("if-none-match", ""),
            new Header("if-range", ""),
            new Header("if-unmodified-since", ""),
            new Header("last-modified", ""),
            new Header("link", ""),
            new Header("location", ""),
            new Header("max-forwards", ""),
            new Header("proxy-authenticate", ""),
            new Header("proxy-authorization", ""),
            new Header("range", ""),
            new Header("referer", ""),
            new Header("refresh", ""),
            new Header("retry-after", ""),
            new Header("server", ""),
            new Header("set-cookie", ""),
            new Header("strict-transport-security", ""),
            new Header("transfer-encoding", ""),
            new Header("user-agent", ""),
            new Header("vary", ""),
            new Header("via", ""),
            new Header("www-authenticate", ""));

    /** Section 4.1: an entry's size is its name and value octets plus 32. */
    private static final int ENTRY_OVERHEAD = 32;

    private Hpack() {
    }

    /** The static table, index 1 first (for tests and diagnostics). */
    static List<Header> staticTable() {
        return STATIC_TABLE;
    }

    /**
     * Decodes the header blocks of one HTTP/2 connection, in order: the dynamic table carries over from one block
     * to the next (RFC 7541 Sections 2.3, 3 and 6). Not thread-safe; one per connection.
     */
    public static final class Decoder {
        private final int maxTableSize;
        private int tableCapacity;
        private int tableSize;
        /** Newest entry first, so dynamic index 62 is {@code table.getFirst()}. */
        private final Deque<Entry> table = new ArrayDeque<>();

        /** A header with the octet counts it had on the wire, which its size is made of. */
        private record Entry(Header header, int nameOctets, int valueOctets) {
            int size() {
                return nameOctets + valueOctets + ENTRY_OVERHEAD;
            }
        }

        /** A decoder with the HTTP/2 default table size of 4096 octets. */
        public Decoder() {
            this(DEFAULT_TABLE_SIZE);
        }

        /**
         * @param maxTableSize the SETTINGS_HEADER_TABLE_SIZE we advertised: the largest dynamic table the peer may
         *     ask for with a table size update; it is also the initial size
         */
        public Decoder(int maxTableSize) {
            if (maxTableSize < 0) {
                throw new IllegalArgumentException("maxTableSize must not be negative: " + maxTableSize);
            }
            this.maxTableSize = maxTableSize;
            this.tableCapacity = maxTableSize;
        }

        /**
         * Decodes one complete header block (the fragments of HEADERS and CONTINUATION frames joined). A malformed
         * block is a connection error in HTTP/2; the decoder's table is not usable after one.
         */
        public List<Header> decode(byte[] block) throws HpackException {
            return decode(block, Long.MAX_VALUE);
        }

        /**
         * Decodes one header block, refusing it as soon as its header list grows larger than {@code maxListSize}
         * octets as SETTINGS_MAX_HEADER_LIST_SIZE counts them (RFC 9113 Section 6.5.2: name, value and 32 per field).
         * A field indexed from the table costs a byte on the wire but its full size in the list: without this bound a
         * block of a megabyte could stand for gigabytes of headers.
         */
        public List<Header> decode(byte[] block, long maxListSize) throws HpackException {
            Reader in = new Reader(block);
            List<Header> headers = new ArrayList<>();
            long listSize = 0;
            while (in.hasMore()) {
                int first = in.peek();
                Entry field;
                if ((first & 0x80) != 0) { // 6.1 indexed header field
                    field = lookup(in.readInt(7));
                } else if ((first & 0xc0) == 0x40) { // 6.2.1 literal with incremental indexing
                    field = readLiteral(in, 6);
                    add(field);
                } else if ((first & 0xe0) == 0x20) { // 6.3 dynamic table size update
                    sizeUpdate(in, headers);
                    continue;
                } else { // 6.2.2 without indexing (0000), 6.2.3 never indexed (0001)
                    field = readLiteral(in, 4);
                }
                listSize += field.size();
                if (listSize > maxListSize) {
                    throw new HpackException("header list larger than " + maxListSize + " octets");
                }
                headers.add(field.header());
            }
            return headers;
        }

        /** Section 6.3: a dynamic table size update, allowed only before the block's first field (Section 4.2). */
        private void sizeUpdate(Reader in, List<Header> headers) throws HpackException {
            if (!headers.isEmpty()) {
                throw new HpackException("dynamic table size update after a header field (RFC 7541 4.2)");
            }
            int size = in.readInt(5);
            if (size > maxTableSize) {
                throw new HpackException("dynamic table size update to " + size + " exceeds the limit of "
                        + maxTableSize);
            }
            tableCapacity = size;
            evictDownTo(tableCapacity);
        }

        /** The dynamic table, newest entry (index 62) first. */
        public List<Header> dynamicTable() {
            return table.stream().map(Entry::header).toList();
        }

        /** The dynamic table's size in octets, as RFC 7541 Section 4.1 counts it. */
        public int dynamicTableSize() {
            return tableSize;
        }

        private Entry readLiteral(Reader in, int prefixBits) throws HpackException {
            int nameIndex = in.readInt(prefixBits);
            if (nameIndex == 0) {
                byte[] name = in.readString();
                byte[] value = in.readString();
                return new Entry(new Header(utf8(name), utf8(value)), name.length, value.length);
            }
            Entry named = lookup(nameIndex);
            byte[] value = in.readString();
            return new Entry(new Header(named.header().name(), utf8(value)), named.nameOctets(), value.length);
        }

        private Entry lookup(int index) throws HpackException {
            if (index == 0) {
                throw new HpackException("index 0 is not a header field (RFC 7541 6.1)");
            }
            if (index <= STATIC_TABLE.size()) {
                Header header = STATIC_TABLE.get(index - 1);
                return new Entry(header, header.name().length(), header.value().length()); // ASCII
            }
            int dynamic = index - STATIC_TABLE.size() - 1;
            if (dynamic >= table.size()) {
                throw new HpackException("index " + index + " is beyond the tables (" + STATIC_TABLE.size()
                        + " static + " + table.size() + " dynamic entries)");
            }
            int i = 0;
            for (Entry e : table) {
                if (i++ == dynamic) {
                    return e;
                }
            }
            throw new AssertionError();
        }

        private void add(Entry entry) {
            if (entry.size() > tableCapacity) { // 4.4: a too-large entry empties the table and is not added
                evictDownTo(0);
                return;
            }
            evictDownTo(tableCapacity - entry.size());
            table.addFirst(entry);
            tableSize += entry.size();
        }

        private void evictDownTo(int size) {
            while (tableSize > size) {
                tableSize -= table.removeLast().size();
            }
        }
    }

    /**
     * Encodes header blocks without touching the peer's dynamic table (RFC 7541 Section 6): an exact static-table
     * match is sent as an indexed field, anything else as a literal without indexing, naming a static entry when
     * the name is there; strings are sent raw, not Huffman-coded. Stateless and thread-safe.
     */
    public static final class Encoder {
        private static final Map<Header, Integer> STATIC_FIELDS = new HashMap<>();
        private static final Map<String, Integer> STATIC_NAMES = new HashMap<>();

        static {
            for (int i = STATIC_TABLE.size(); i >= 1; i--) { // descending, so the lowest index wins
                STATIC_FIELDS.put(STATIC_TABLE.get(i - 1), i);
                STATIC_NAMES.put(STATIC_TABLE.get(i - 1).name(), i);
            }
        }

        public byte[] encode(List<Header> headers) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Header header : headers) {
                Integer index = STATIC_FIELDS.get(header);
                if (index != null) {
                    writeInt(out, 0x80, 7, index); // 6.1
                    continue;
                }
                Integer nameIndex = STATIC_NAMES.get(header.name());
                writeInt(out, 0x00, 4, nameIndex == null ? 0 : nameIndex); // 6.2.2
                if (nameIndex == null) {
                    writeString(out, header.name());
                }
                writeString(out, header.value());
            }
            return out.toByteArray();
        }

        /** Section 5.2 with H = 0. */
        private static void writeString(ByteArrayOutputStream out, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            writeInt(out, 0x00, 7, bytes.length);
            out.writeBytes(bytes);
        }

        /** Section 5.1: {@code value} in an N-bit prefix after the pattern bits {@code first}. */
        static void writeInt(ByteArrayOutputStream out, int first, int prefixBits, int value) {
            int max = (1 << prefixBits) - 1;
            if (value < max) {
                out.write(first | value);
                return;
            }
            out.write(first | max);
            value -= max;
            while (value >= 0x80) {
                out.write((value & 0x7f) | 0x80);
                value >>>= 7;
            }
            out.write(value);
        }
    }

    /** Bounds-checked cursor over one header block: integers (5.1) and string literals (5.2). */
    private static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        boolean hasMore() {
            return pos < buf.length;
        }

        int peek() {
            return buf[pos] & 0xff;
        }

        int readByte() throws HpackException {
            if (pos >= buf.length) {
                throw new HpackException("header block ends in the middle of a field");
            }
            return buf[pos++] & 0xff;
        }

        /** Section 5.1; rejects values above Integer.MAX_VALUE instead of overflowing. */
        int readInt(int prefixBits) throws HpackException {
            int max = (1 << prefixBits) - 1;
            long value = readByte() & max;
            if (value < max) {
                return (int) value;
            }
            int shift = 0;
            int b;
            do {
                b = readByte();
                value += (long) (b & 0x7f) << shift;
                shift += 7;
                if (value > Integer.MAX_VALUE) {
                    throw new HpackException("integer in header block is too large");
                }
            } while ((b & 0x80) != 0 && shift <= 28);
            if ((b & 0x80) != 0) {
                throw new HpackException("integer in header block is too long");
            }
            return (int) value;
        }

        /** Section 5.2: H bit, 7-bit prefix length, then raw or Huffman-coded octets. */
        byte[] readString() throws HpackException {
            if (!hasMore()) {
                throw new HpackException("header block ends before a string literal");
            }
            boolean huffman = (peek() & 0x80) != 0;
            int length = readInt(7);
            if (length > buf.length - pos) {
                throw new HpackException("string of " + length + " octets runs past the end of the header block");
            }
            int start = pos;
            pos += length;
            if (huffman) {
                return HpackHuffman.decode(buf, start, length);
            }
            byte[] raw = new byte[length];
            System.arraycopy(buf, start, raw, 0, length);
            return raw;
        }
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
