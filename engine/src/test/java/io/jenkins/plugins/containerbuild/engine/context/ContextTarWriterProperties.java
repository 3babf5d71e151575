package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * {@link ContextTarWriter} formats common headers itself; whatever the names, sizes, times and modes, its tar must be
 * byte for byte the one Commons Compress's {@link TarArchiveOutputStream} writes with the same settings (which is
 * what the context tar was before, and what the fidelity tests compare with the docker CLI).
 */
class ContextTarWriterProperties {

    /** One entry: a directory, a symbolic link, a hard link or a regular file with these contents. */
    record Entry(String name, byte type, int mode, long mtime, String linkName, byte[] contents) {
        @Override
        public String toString() {
            return (char) type + " " + name + " mode=" + Integer.toOctalString(mode) + " mtime=" + mtime
                    + (linkName != null ? " -> " + linkName : "") + (contents != null ? " size=" + contents.length : "");
        }
    }

    @Property(tries = 300, seed = "20261122")
    void wholeTarIsWhatCommonsCompressWrites(@ForAll("entries") @Size(max = 12) List<Entry> entries)
            throws IOException {
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        try (ContextTarWriter writer = new ContextTarWriter(ours, new AtomicLong(), new AtomicLong())) {
            long inodeNumber = 0;
            for (Entry e : entries) {
                Path path = Path.of("/nonexistent", e.name());
                switch (e.type()) {
                    case TarConstants.LF_DIR -> writer.add(new ContextEntry(e.name(), path,
                            ContextEntry.Type.DIRECTORY, e.mode(), 0, e.mtime(), null, null));
                    case TarConstants.LF_SYMLINK -> writer.add(new ContextEntry(e.name(), path,
                            ContextEntry.Type.SYMLINK, e.mode(), 0, e.mtime(), e.linkName(), null));
                    case TarConstants.LF_LINK -> {
                        // two symbolic links with the same inode: the second is written as a hard link to the first
                        ContextEntry.Inode inode = new ContextEntry.Inode(1, ++inodeNumber);
                        writer.add(new ContextEntry(e.linkName(), path, ContextEntry.Type.SYMLINK, e.mode(), 0,
                                e.mtime(), "target", inode));
                        writer.add(new ContextEntry(e.name(), path, ContextEntry.Type.SYMLINK, e.mode(), 0,
                                e.mtime(), "target", inode));
                    }
                    default -> writer.addBytes(e.name(), e.contents(), e.mode(), e.mtime());
                }
            }
        }

        assertThat(ours.toByteArray()).isEqualTo(reference(entries));
    }

    /** The same with a fresh random seed each run (jqwik prints it with the statistics); the fixed seed above stays. */
    @Property(tries = 300)
    void wholeTarIsWhatCommonsCompressWritesWithAFreshSeed(@ForAll("entries") @Size(max = 12) List<Entry> entries)
            throws IOException {
        wholeTarIsWhatCommonsCompressWrites(entries);
    }

    @Property(tries = 300, seed = "20261122")
    void headersOfAnySizeAndTimeAreWhatCommonsCompressWrites(@ForAll("names") String name,
            @ForAll("sizes") long size, @ForAll("times") long mtime, @ForAll("modes") int mode)
            throws IOException {
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ContextTarWriter writer = new ContextTarWriter(ours, new AtomicLong(), new AtomicLong());
        writer.putHeader(name, TarConstants.LF_NORMAL, mode, mtime, size, null);
        writer.flush();

        ByteArrayOutputStream theirs = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = ContextTarWriter.newCommonsCompressTar(theirs);
        tar.putArchiveEntry(entry(name, TarConstants.LF_NORMAL, mode, mtime, null, size));
        assertThat(ours.toByteArray()).isEqualTo(theirs.toByteArray());
    }

    @Property(tries = 300)
    void headersOfAnySizeAndTimeAreWhatCommonsCompressWritesWithAFreshSeed(@ForAll("names") String name,
            @ForAll("sizes") long size, @ForAll("times") long mtime, @ForAll("modes") int mode)
            throws IOException {
        headersOfAnySizeAndTimeAreWhatCommonsCompressWrites(name, size, mtime, mode);
    }

    /**
     * The headers of the Docker 20.10 CLI's classic tar ({@link CliTarHeaders}): owner names and file-type bits in
     * the mode, formatted by the writer itself as Commons Compress formats them.
     */
    @Property(tries = 300, seed = "20261208")
    void headersWithOwnerNamesAndTypeBitsAreWhatCommonsCompressWrites(@ForAll("names") String name,
            @ForAll("sizes") long size, @ForAll("times") long mtime, @ForAll("modes") int mode,
            @ForAll("typeBits") int typeBits, @ForAll("ownerNames") String userName,
            @ForAll("ownerNames") String groupName) throws IOException {
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        ContextTarWriter writer = new ContextTarWriter(ours, new AtomicLong(), new AtomicLong());
        writer.putHeader(name, TarConstants.LF_NORMAL, typeBits | mode, mtime, size, null, userName, groupName);
        writer.flush();

        ByteArrayOutputStream theirs = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = ContextTarWriter.newCommonsCompressTar(theirs);
        TarArchiveEntry expected = entry(name, TarConstants.LF_NORMAL, mode, mtime, null, size);
        expected.setMode(typeBits | mode);
        expected.setUserName(userName);
        expected.setGroupName(groupName);
        tar.putArchiveEntry(expected);
        assertThat(ours.toByteArray()).isEqualTo(theirs.toByteArray());
    }

    @Property(tries = 300)
    void headersWithOwnerNamesAndTypeBitsAreWhatCommonsCompressWritesWithAFreshSeed(@ForAll("names") String name,
            @ForAll("sizes") long size, @ForAll("times") long mtime, @ForAll("modes") int mode,
            @ForAll("typeBits") int typeBits, @ForAll("ownerNames") String userName,
            @ForAll("ownerNames") String groupName) throws IOException {
        headersWithOwnerNamesAndTypeBitsAreWhatCommonsCompressWrites(name, size, mtime, mode, typeBits, userName,
                groupName);
    }

    @Provide
    Arbitrary<Integer> typeBits() {
        return Arbitraries.of(0, 010000, 040000, 0100000, 0120000);
    }

    /** Empty, or ASCII of up to 31 bytes: what the writer is given for a header of its own. */
    @Provide
    Arbitrary<String> ownerNames() {
        return Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.of("root", "cloudsdk"),
                Arbitraries.strings().withChars("abz09_-.$").ofMinLength(1).ofMaxLength(31));
    }

    /** The tar as Commons Compress writes it, entry by entry, as the context writer did before formatting headers. */
    private static byte[] reference(List<Entry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = ContextTarWriter.newCommonsCompressTar(out)) {
            for (Entry e : entries) {
                switch (e.type()) {
                    case TarConstants.LF_DIR -> put(tar, entry(e.name() + "/", e.type(), e.mode(), e.mtime(), null, 0));
                    case TarConstants.LF_SYMLINK -> put(tar, entry(e.name(), e.type(), e.mode(), e.mtime(),
                            e.linkName(), 0));
                    case TarConstants.LF_LINK -> {
                        put(tar, entry(e.linkName(), TarConstants.LF_SYMLINK, e.mode(), e.mtime(), "target", 0));
                        put(tar, entry(e.name(), TarConstants.LF_LINK, e.mode(), e.mtime(), e.linkName(), 0));
                    }
                    default -> {
                        tar.putArchiveEntry(entry(e.name(), e.type(), e.mode(), e.mtime(), null, e.contents().length));
                        tar.write(e.contents());
                        tar.closeArchiveEntry();
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry) throws IOException {
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode, long mtime, String linkName, long size) {
        TarArchiveEntry header = new TarArchiveEntry(name, type);
        header.setMode(mode & 07777);
        header.setUserId(0);
        header.setGroupId(0);
        header.setUserName("");
        header.setGroupName("");
        header.setModTime(FileTime.from(mtime, TimeUnit.SECONDS));
        if (linkName != null) {
            header.setLinkName(linkName);
        }
        header.setSize(size);
        return header;
    }

    @Provide
    Arbitrary<List<Entry>> entries() {
        Arbitrary<Entry> entry = Combinators.combine(
                Arbitraries.of(TarConstants.LF_DIR, TarConstants.LF_SYMLINK, TarConstants.LF_LINK,
                        TarConstants.LF_NORMAL, TarConstants.LF_NORMAL),
                names(), names(), modes(), Arbitraries.longs().between(-10, 1L << 34).edgeCases(c -> c.add(0L)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(1500)
        ).as((type, name, link, mode, mtime, contents) -> new Entry(name, type, mode, mtime,
                type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK ? link + "-l" : null,
                type == TarConstants.LF_NORMAL ? contents : null));
        return entry.list();
    }

    /** Names of 1 to 130 characters, short and long, ASCII and not, around the 100-byte limit of the header. */
    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> ascii = Arbitraries.strings().withChars("abcxyz-_./ 0189").ofMinLength(1).ofMaxLength(130);
        Arbitrary<String> near100 = Arbitraries.integers().between(95, 104).map(n -> "d/".repeat(n / 2) + "f".repeat(n % 2 + 1));
        Arbitrary<String> unicode = Arbitraries.strings().withChars("a\u00e9\u00ff\u4e2d\ud83d\ude00/").ofMinLength(1)
                .ofMaxLength(60);
        return Arbitraries.oneOf(ascii, ascii, near100, unicode)
                .filter(s -> !s.startsWith("/") && !s.endsWith("/") && new String(s.getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.UTF_8).equals(s));
    }

    /** Sizes and times around the largest value of an 11-digit octal field, and far beyond it. */
    @Provide
    Arbitrary<Long> sizes() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 1L << 40), Arbitraries.longs().between(0, 5),
                Arbitraries.of(077777777777L, 077777777777L + 1, 1L << 33, Long.MAX_VALUE / 2));
    }

    @Provide
    Arbitrary<Long> times() {
        return Arbitraries.oneOf(sizes(), Arbitraries.longs().between(-5, 5), Arbitraries.of(-(1L << 40)));
    }

    @Provide
    Arbitrary<Integer> modes() {
        return Arbitraries.integers().between(0, 07777);
    }

    @Example
    void onlyShortAsciiNamesFitTheHeaderItself() {
        assertThat(ContextTarWriter.isShortAscii("a".repeat(99))).isTrue();
        assertThat(ContextTarWriter.isShortAscii("a".repeat(100))).isFalse();
        assertThat(ContextTarWriter.isShortAscii("\u00e9")).isFalse();
    }
}
