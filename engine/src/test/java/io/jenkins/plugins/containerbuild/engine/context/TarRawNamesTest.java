package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A name or link target that is not UTF-8 goes into the classic builder's tar as its bytes, in PAX {@code path} and
 * {@code linkpath} records whose lengths count their own bytes (as Go's archive/tar writes and reads them), where a
 * tar library writing Java strings would put {@code ?}.
 */
class TarRawNamesTest {

    @Test
    void aNameAndALinkTargetThatAreNotUtf8AreWrittenAsTheirBytes() throws Exception {
        String name = "dir/caf" + (char) 0xDCE9 + ".lnk"; // the byte 0xE9, as FileNames holds it
        String target = "../t" + (char) 0xDCFF + "\u00fc";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ContextTarWriter tar = new ContextTarWriter(out, new AtomicLong(), new AtomicLong())) {
            tar.add(new ContextEntry(name, Path.of("/nonexistent"), ContextEntry.Type.SYMLINK, 0777, 0,
                    1_700_000_000L, target, null));
        }
        byte[] bytes = out.toByteArray();
        assertThat(bytes[156]).as("the first header is a PAX extended header").isEqualTo((byte) 'x');
        int size = Integer.parseInt(new String(bytes, 124, 11, StandardCharsets.US_ASCII).trim(), 8);
        Map<String, byte[]> records = paxRecords(Arrays.copyOfRange(bytes, 512, 512 + size));
        assertThat(records.get("path")).isEqualTo(FileNames.encode(name))
                .isEqualTo(concat("dir/caf".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xE9},
                        ".lnk".getBytes(StandardCharsets.US_ASCII)));
        assertThat(records.get("linkpath")).isEqualTo(concat("../t".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xFF}, "\u00fc".getBytes(StandardCharsets.UTF_8)));
        int entry = 512 + (size + 511) / 512 * 512;
        assertThat(bytes[entry + 156]).as("then the link's own header").isEqualTo((byte) '2');
    }

    /** PAX records, {@code "LENGTH KEY=VALUE\n"}: fails unless each length is the record's length in bytes. */
    private static Map<String, byte[]> paxRecords(byte[] data) {
        Map<String, byte[]> records = new LinkedHashMap<>();
        int at = 0;
        while (at < data.length) {
            int space = at;
            while (data[space] != ' ') {
                space++;
            }
            int length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            assertThat(data[at + length - 1]).as("a record ends with a newline where its length says")
                    .isEqualTo((byte) '\n');
            int equals = space + 1;
            while (data[equals] != '=') {
                equals++;
            }
            records.put(new String(data, space + 1, equals - space - 1, StandardCharsets.US_ASCII),
                    Arrays.copyOfRange(data, equals + 1, at + length - 1));
            at += length;
        }
        return records;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
