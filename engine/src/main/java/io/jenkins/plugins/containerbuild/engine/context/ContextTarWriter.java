package io.jenkins.plugins.containerbuild.engine.context;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes context entries as a tar the way the docker CLI does: uid/gid 0 and no owner names, permission bits with
 * setuid/setgid/sticky, mtime in whole seconds, symbolic links as links, the second path to a hard-linked file as a
 * hard link to the first, long and non-ASCII names in PAX headers. File contents are copied while writing, so
 * nothing but a copy buffer is held in memory. Closing finishes the tar but leaves the target stream open.
 * <p>
 * The bytes are those of Commons Compress's {@link TarArchiveOutputStream} (512-byte records, POSIX long names and
 * big numbers, PAX headers for non-ASCII names). The common header (a short ASCII name and link name, numbers that fit
 * their octal fields) is formatted here directly, which costs a fraction of a general tar library's work per entry
 * and matters for contexts of many small files; any other header is made by Commons Compress.
 */
final class ContextTarWriter implements AutoCloseable {

    private static final int COPY_BUFFER = 64 * 1024;
    private static final int RECORD = TarConstants.DEFAULT_RCDSIZE;
    /** The largest size or mtime of an 11-digit octal field: larger ones need a PAX header. */
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final byte[] ZEROS = new byte[RECORD];

    private final OutputStream out;
    private final AtomicLong entriesWritten;
    private final Map<ContextEntry.Inode, String> firstPathOfInode = new HashMap<>();
    private final byte[] buffer = new byte[COPY_BUFFER];
    private final ByteBuffer bufferView = ByteBuffer.wrap(buffer);
    private final byte[] record = new byte[RECORD];

    /**
     * @param out receives the tar; not closed
     * @param entriesWritten incremented for each entry written
     * @param bytesWritten incremented with each tar byte written to {@code out}
     */
    ContextTarWriter(OutputStream out, AtomicLong entriesWritten, AtomicLong bytesWritten) {
        this.out = new BufferedOutputStream(new CountingNonClosingStream(out, bytesWritten), COPY_BUFFER);
        this.entriesWritten = entriesWritten;
    }

    /** Writes one walked entry, with the contents of a regular file. */
    void add(ContextEntry entry) throws IOException {
        switch (entry.type()) {
            case DIRECTORY -> {
                putHeader(entry.name() + "/", TarConstants.LF_DIR, entry.mode(), entry.mtimeSeconds(), 0, null);
                entriesWritten.incrementAndGet();
            }
            case SYMLINK -> {
                String first = firstPathOf(entry);
                if (first != null) {
                    putHeader(entry.name(), TarConstants.LF_LINK, entry.mode(), entry.mtimeSeconds(), 0, first);
                } else {
                    putHeader(entry.name(), TarConstants.LF_SYMLINK, entry.mode(), entry.mtimeSeconds(), 0,
                            entry.linkTarget());
                }
                entriesWritten.incrementAndGet();
            }
            case FILE -> addFile(entry);
        }
    }

    private void addFile(ContextEntry entry) throws IOException {
        String first = firstPathOf(entry);
        if (first != null) {
            putHeader(entry.name(), TarConstants.LF_LINK, entry.mode(), entry.mtimeSeconds(), 0, first);
            entriesWritten.incrementAndGet();
            return;
        }
        FileChannel in;
        try {
            in = FileChannel.open(entry.path(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException vanished) {
            if (entry.inode() != null) {
                firstPathOfInode.remove(entry.inode());
            }
            return; // deleted since it was listed: as if it had not been there
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(entry.path(), e);
        }
        try (in) {
            putHeader(entry.name(), TarConstants.LF_NORMAL, entry.mode(), entry.mtimeSeconds(), entry.size(), null);
            copyExactly(in, entry.size(), entry.path());
        }
        entriesWritten.incrementAndGet();
    }

    /** Adds a regular file whose contents are given (a small file such as a rewritten .dockerignore). */
    void addBytes(String name, byte[] contents, int mode, long mtimeSeconds) throws IOException {
        putHeader(name, TarConstants.LF_NORMAL, mode, mtimeSeconds, contents.length, null);
        out.write(contents);
        pad(contents.length);
        entriesWritten.incrementAndGet();
    }

    /** Adds a regular file from disk under another name (a Dockerfile from outside the context). */
    void addFileAs(String name, Path file, int mode, long mtimeSeconds) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            putHeader(name, TarConstants.LF_NORMAL, mode, mtimeSeconds, size, null);
            copyExactly(in, size, file);
        }
        entriesWritten.incrementAndGet();
    }

    /** Finishes the tar (two zero records, nothing more with 512-byte blocks) and flushes it; the target stays open. */
    @Override
    public void close() throws IOException {
        out.write(ZEROS);
        out.write(ZEROS);
        out.close();
    }

    /** Writes what is buffered to the target stream. */
    void flush() throws IOException {
        out.flush();
    }

    /** The first path written of a file with several hard links, if this is not it; null otherwise. */
    private String firstPathOf(ContextEntry entry) {
        return entry.inode() == null ? null : firstPathOfInode.putIfAbsent(entry.inode(), entry.name());
    }

    /** Writes the header record(s) of one entry: the size announced is what must follow it. */
    void putHeader(String name, byte type, int mode, long mtimeSeconds, long size, String linkName)
            throws IOException {
        if (isShortAscii(name) && (linkName == null || isShortAscii(linkName)) && name.charAt(0) != '/'
                && size >= 0 && size <= MAX_OCTAL_11 && mtimeSeconds >= 0 && mtimeSeconds <= MAX_OCTAL_11) {
            formatUstarHeader(name, type, mode & 07777, mtimeSeconds, size, linkName);
            out.write(record);
        } else {
            out.write(headerByCommonsCompress(name, type, mode, mtimeSeconds, size, linkName));
        }
    }

    /** ASCII and under 100 bytes: fits the header's name fields without a PAX header. */
    static boolean isShortAscii(String s) {
        int n = s.length();
        if (n == 0 || n >= TarConstants.NAMELEN) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The POSIX ustar header as Commons Compress writes it for these values: numbers in zero-padded octal ended by a
     * space, the checksum as six digits, NUL and space, magic {@code ustar\0} and version {@code 00}, no owner
     * names and uid, gid and device numbers 0 (the fixed fields come from {@link #TEMPLATE}).
     */
    private void formatUstarHeader(String name, byte type, int mode, long mtime, long size, String linkName) {
        byte[] r = record;
        System.arraycopy(TEMPLATE, 0, r, 0, RECORD);
        long sum = TEMPLATE_SUM + type;
        sum += ascii(name, r, 0);
        sum += octal(mode, r, 100, 8);
        sum += octal(size, r, 124, 12);
        sum += octal(mtime, r, 136, 12);
        r[156] = type;
        if (linkName != null) {
            sum += ascii(linkName, r, 157);
        }
        for (int i = 153; i >= 148; i--) {
            r[i] = (byte) ('0' + (sum & 7));
            sum >>>= 3;
        }
        r[154] = 0;
        r[155] = ' ';
    }

    /** The fields that are the same in every header this class formats; the checksum field counts as spaces. */
    private static final byte[] TEMPLATE = new byte[RECORD];
    private static final long TEMPLATE_SUM;

    static {
        octal(0, TEMPLATE, 108, 8); // uid
        octal(0, TEMPLATE, 116, 8); // gid
        Arrays.fill(TEMPLATE, 148, 156, (byte) ' '); // checksum
        System.arraycopy(new byte[] {'u', 's', 't', 'a', 'r', 0, '0', '0'}, 0, TEMPLATE, 257, 8); // magic, version
        // uname and gname (32 bytes each at 265 and 297) stay empty
        octal(0, TEMPLATE, 329, 8); // devmajor
        octal(0, TEMPLATE, 337, 8); // devminor
        long sum = 0;
        for (byte b : TEMPLATE) {
            sum += b & 0xFF;
        }
        TEMPLATE_SUM = sum;
    }

    /** Writes the ASCII characters; returns the sum of their bytes. */
    private static int ascii(String s, byte[] r, int offset) {
        int sum = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            r[offset + i] = (byte) c;
            sum += c;
        }
        return sum;
    }

    /** {@code length - 1} zero-padded octal digits and a space; returns the sum of their bytes. */
    private static int octal(long value, byte[] r, int offset, int length) {
        int sum = ' ';
        r[offset + length - 1] = ' ';
        for (int i = offset + length - 2; i >= offset; i--) {
            byte digit = (byte) ('0' + (value & 7));
            r[i] = digit;
            sum += digit;
            value >>>= 3;
        }
        return sum;
    }

    /**
     * The header record(s) Commons Compress writes for an entry: a PAX extended header for a long or non-ASCII name,
     * a big size or an mtime out of the octal range, then the entry's own header.
     */
    static byte[] headerByCommonsCompress(String name, byte type, int mode, long mtimeSeconds, long size,
            String linkName) throws IOException {
        TarArchiveEntry header = new TarArchiveEntry(name, type);
        header.setMode(mode & 07777);
        header.setUserId(0);
        header.setGroupId(0);
        header.setUserName("");
        header.setGroupName("");
        header.setModTime(FileTime.from(mtimeSeconds, TimeUnit.SECONDS));
        if (linkName != null) {
            header.setLinkName(linkName);
        }
        header.setSize(size);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(3 * RECORD);
        // the archive is dropped unfinished: only the records written for the header are wanted
        TarArchiveOutputStream tar = newCommonsCompressTar(bytes);
        tar.putArchiveEntry(header);
        return bytes.toByteArray();
    }

    /** A Commons Compress tar writer with the settings whose output this class reproduces. */
    static TarArchiveOutputStream newCommonsCompressTar(OutputStream target) {
        // 512-byte blocks: the tar ends after its two zero records, without padding to 10 KiB (like Go's tar)
        TarArchiveOutputStream tar = new TarArchiveOutputStream(target, RECORD, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /** Copies exactly the size announced in the header, then pads to a record; a file that grew is cut at that size. */
    private void copyExactly(FileChannel in, long size, Path what) throws IOException {
        long remaining = size;
        while (remaining > 0) {
            bufferView.clear().limit((int) Math.min(buffer.length, remaining));
            int n = in.read(bufferView);
            if (n < 0) {
                throw new ContextException("File " + what + " shrank while the build context was being sent:"
                        + " retry when nothing is modifying the context.");
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
        pad(size);
    }

    private void pad(long size) throws IOException {
        int tail = (int) (size % RECORD);
        if (tail != 0) {
            out.write(ZEROS, 0, RECORD - tail);
        }
    }

    /** Counts the bytes passed through; close only flushes, so the caller's stream stays open. */
    private static final class CountingNonClosingStream extends FilterOutputStream {
        private final AtomicLong count;

        CountingNonClosingStream(OutputStream out, AtomicLong count) {
            super(out);
            this.count = count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
