package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Names are bytes: any byte string decodes to a name that encodes to the same bytes, and a file made from a name's
 * bytes is listed back with them, in this JVM and in one started under {@code LANG=POSIX}, whose file-name encoding is
 * ASCII.
 */
class FileNamesTest {

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("filenames-test");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Property(tries = 2000, seed = "20261208")
    void anyBytesDecodeToANameThatEncodesToThem(@ForAll("names") byte[] bytes) {
        String name = FileNames.decode(bytes);
        assertThat(FileNames.encode(name)).isEqualTo(bytes);
    }

    /** The same with a fresh random seed each run (jqwik prints it with the statistics); the fixed seed above stays. */
    @Property(tries = 2000)
    void anyBytesDecodeToANameThatEncodesToThemWithAFreshSeed(@ForAll("names") byte[] bytes) {
        anyBytesDecodeToANameThatEncodesToThem(bytes);
    }

    @Property(tries = 2000, seed = "20261208")
    void namesCompareAsTheirBytes(@ForAll("names") byte[] a, @ForAll("names") byte[] b) {
        int expected = Integer.signum(Arrays.compareUnsigned(a, b));
        assertThat(Integer.signum(FileNames.compare(FileNames.decode(a), FileNames.decode(b)))).isEqualTo(expected);
    }

    /** The same with a fresh random seed each run. */
    @Property(tries = 2000)
    void namesCompareAsTheirBytesWithAFreshSeed(@ForAll("names") byte[] a, @ForAll("names") byte[] b) {
        namesCompareAsTheirBytes(a, b);
    }

    @Property(tries = 300, seed = "20261208")
    void aFileMadeFromBytesIsListedWithThem(@ForAll("fileNames") byte[] bytes) throws IOException {
        Path file = FileNames.resolve(dir, FileNames.decode(bytes));
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            assertThat(listedNames(dir)).anySatisfy(listed -> assertThat(listed).isEqualTo(bytes));
            assertThat(FileNames.bytes(file)).isEqualTo(bytes);
            assertThat(FileNames.name(file)).isEqualTo(FileNames.decode(bytes));
        } finally {
            Files.delete(file);
        }
    }

    /** The same with a fresh random seed each run. */
    @Property(tries = 300)
    void aFileMadeFromBytesIsListedWithThemWithAFreshSeed(@ForAll("fileNames") byte[] bytes) throws IOException {
        aFileMadeFromBytesIsListedWithThem(bytes);
    }

    @Property(tries = 1000, seed = "20261208")
    void aSlashPathKeepsTheBytesOfEachElement(@ForAll("fileNames") byte[] a, @ForAll("fileNames") byte[] b) {
        String first = FileNames.decode(a);
        String second = FileNames.decode(b);
        Path relative = FileNames.path(first + "/../" + second);
        assertThat(relative.isAbsolute()).isFalse();
        assertThat(relative.getNameCount()).isEqualTo(3);
        assertThat(FileNames.bytes(relative.getName(0))).isEqualTo(a);
        assertThat(relative.getName(1)).hasToString("..");
        assertThat(FileNames.bytes(relative.getName(2))).isEqualTo(b);
        Path absolute = FileNames.path("/" + first + "/" + second);
        assertThat(absolute.isAbsolute()).isTrue();
        assertThat(FileNames.bytes(absolute)).isEqualTo(b);
        assertThat(FileNames.bytes(absolute.getParent())).isEqualTo(a);
    }

    /** The same with a fresh random seed each run. */
    @Property(tries = 1000)
    void aSlashPathKeepsTheBytesOfEachElementWithAFreshSeed(@ForAll("fileNames") byte[] a,
            @ForAll("fileNames") byte[] b) {
        aSlashPathKeepsTheBytesOfEachElement(a, b);
    }

    @Example
    void validUtf8IsTheOrdinaryStringAndInvalidBytesAreLoneSurrogates() {
        assertThat(FileNames.decode("clé.pem".getBytes(StandardCharsets.UTF_8))).isEqualTo("clé.pem");
        String cafe = FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9, '.', 't', 'x', 't'});
        assertThat(cafe).isEqualTo("caf\uDCE9.txt");
        // an encoded surrogate is not valid UTF-8: its three bytes are kept as three escapes, not as the surrogate
        byte[] encodedSurrogate = {(byte) 0xed, (byte) 0xb3, (byte) 0xa9};
        assertThat(FileNames.decode(encodedSurrogate)).isEqualTo("\uDCED\uDCB3\uDCA9");
    }

    @Example
    void aNameThatIsNotOneElementIsRefused() {
        for (String bad : List.of("", ".", "..", "a/b", "a\0b")) {
            assertThatThrownBy(() -> FileNames.resolve(dir, bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * A JVM started with no UTF-8 locale decodes names as ASCII: there too the bytes of {@code clé.pem} and of a name
     * that is not UTF-8 at all are read and made exactly (seen wrong with {@link Path#toString()}).
     */
    @Example
    void underAPosixLocaleNamesAreStillTheirBytes() throws Exception {
        byte[] utf8 = "clé.pem".getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9, '.', 't', 'x', 't'};
        Path made = FileNames.resolve(dir, FileNames.decode(utf8));
        Files.createFile(made);
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    PosixLocaleProbe.class.getName(), dir.toString(), HexFormat.of().formatHex(latin1));
            pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
            pb.environment().put("LANG", "POSIX");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("jnu=ANSI_X3.4-1968")
                    .contains("listed " + HexFormat.of().formatHex(utf8))
                    .contains("made " + HexFormat.of().formatHex(latin1));
            Path latin1File = FileNames.resolve(dir, FileNames.decode(latin1));
            assertThat(Files.exists(latin1File, LinkOption.NOFOLLOW_LINKS)).isTrue();
            Files.delete(latin1File);
        } finally {
            Files.delete(made);
        }
    }

    /** Run by {@link #underAPosixLocaleNamesAreStillTheirBytes} in a JVM with {@code LANG=POSIX}. */
    static final class PosixLocaleProbe {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            System.out.println("jnu=" + System.getProperty("sun.jnu.encoding"));
            for (byte[] name : listedNames(dir)) {
                System.out.println("listed " + HexFormat.of().formatHex(name));
            }
            byte[] toMake = HexFormat.of().parseHex(args[1]);
            Files.createFile(FileNames.resolve(dir, FileNames.decode(toMake)));
            System.out.println("made " + HexFormat.of().formatHex(toMake));
        }
    }

    static List<byte[]> listedNames(Path dir) throws IOException {
        List<byte[]> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                names.add(FileNames.bytes(entry));
            }
        }
        return names;
    }

    @Provide
    Arbitrary<byte[]> names() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(12),
                Arbitraries.strings().all().ofMaxLength(6).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    /** One path element: no slash, no NUL, not {@code .} or {@code ..}. */
    @Provide
    Arbitrary<byte[]> fileNames() {
        return names().filter(b -> b.length > 0 && b.length < 200)
                .filter(b -> {
                    for (byte x : b) {
                        if (x == '/' || x == 0) {
                            return false;
                        }
                    }
                    return !Arrays.equals(b, new byte[] {'.'}) && !Arrays.equals(b, new byte[] {'.', '.'});
                });
    }
}
