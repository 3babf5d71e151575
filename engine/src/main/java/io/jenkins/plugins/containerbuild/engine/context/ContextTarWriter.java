package io.jenkins.plugins.containerbuild.engine.context;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes context entries as a tar the way the docker CLI does: uid/gid 0, permission bits with setuid/setgid/sticky,
 * and the owner names and file-type bits that the CLI of the daemon's release sends ({@link CliTarHeaders}: the 20.10
 * CLI names the file's owner and group and adds the type bits, the 24.0 and later CLIs send neither), mtime in whole
 * seconds, symbolic links as links, a named pipe as a header of its own (never opened), no socket (the CLI's Go tar
 * has no socket type), the second path to a hard-linked file as a
 * hard link to the first, long and non-ASCII names in PAX headers, names as the bytes on disk ({@link FileNames}).
 * File contents are copied while writing, so nothing but a copy buffer is held in memory. Closing finishes the tar
 * but leaves the target stream open.
 * <p>
 * The bytes are those of Commons Compress's {@link TarArchiveOutputStream} (512-byte records, POSIX long names and
 * big numbers, PAX headers for non-ASCII names). The common header (a short ASCII name and link name, numbers that fit
 * their octal fields) is formatted here directly, which costs a fraction of a general tar library's work per entry
 * and matters for contexts of many small files; any other header is made by Commons Compress, except that of a name
 * that is not valid UTF-8, which Commons Compress cannot write (see {@link #putHeader}).
 */
final class ContextTarWriter implements AutoCloseable {

    /** Tar bytes gathered before they are written to the target: headers and contents are put here directly. */
    private static final int BUFFER = 64 * 1024;
    private static final int RECORD = TarConstants.DEFAULT_RCDSIZE;
    /** The largest size or mtime of an 11-digit octal field: larger ones need a PAX header. */
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final byte[] ZEROS = new byte[RECORD];
    /** Permission bits with setuid, setgid and sticky, and the file-type bits the older CLIs send. */
    private static final int MODE_BITS = 0177777;

    private final OutputStream target;
    private final ContextFiles files;
    private final AtomicLong entriesWritten;
    private final CliTarHeaders headers;
    private final Map<ContextEntry.Inode, String> firstPathOfInode = new HashMap<>();
    private final Map<Integer, String> userNames = new HashMap<>();
    private final Map<Integer, String> groupNames = new HashMap<>();
    private final byte[] buffer = new byte[BUFFER];
    private final ByteBuffer bufferView = ByteBuffer.wrap(buffer);
    private int used; // bytes of the buffer not yet written to the target

    /**
     * @param out receives the tar; not closed
     * @param entriesWritten incremented for each entry written
     * @param bytesWritten incremented with each tar byte written to {@code out}
     */
    ContextTarWriter(OutputStream out, AtomicLong entriesWritten, AtomicLong bytesWritten) {
        this(out, null, entriesWritten, bytesWritten);
    }

    /**
     * @param files reads the walked files' contents (only the files the walk saw, with no link followed); may be
     *     null when no walked file is added
     */
    ContextTarWriter(OutputStream out, ContextFiles files, AtomicLong entriesWritten, AtomicLong bytesWritten) {
        this(out, files, CliTarHeaders.PERMISSIONS_ONLY, entriesWritten, bytesWritten);
    }

    /** @param headers the owner names and mode bits of the walked entries' headers */
    ContextTarWriter(OutputStream out, ContextFiles files, CliTarHeaders headers, AtomicLong entriesWritten,
            AtomicLong bytesWritten) {
        this.target = new CountingNonClosingStream(out, bytesWritten);
        this.files = files;
        this.headers = headers;
        this.entriesWritten = entriesWritten;
    }

    /** Writes one walked entry, with the contents of a regular file. */
    void add(ContextEntry entry) throws IOException {
        switch (entry.type()) {
            case DIRECTORY -> {
                putHeader(entry, entry.name() + "/", TarConstants.LF_DIR, 0, null);
                entriesWritten.incrementAndGet();
            }
            case SYMLINK -> {
                String first = firstPathOf(entry);
                if (first != null) {
                    putHeader(entry, entry.name(), TarConstants.LF_LINK, 0, first);
                } else {
                    putHeader(entry, entry.name(), TarConstants.LF_SYMLINK, 0, entry.linkTarget());
                }
                entriesWritten.incrementAndGet();
            }
            case FILE -> addFile(entry);
            case FIFO -> { // never opened: the header alone, as the docker CLI sends it
                String first = firstPathOf(entry);
                putHeader(entry, entry.name(), first != null ? TarConstants.LF_LINK : TarConstants.LF_FIFO, 0, first);
                entriesWritten.incrementAndGet();
            }
            case SOCKET -> { } // left out, as the docker CLI's tar leaves it out (Go's tar has no socket type)
        }
    }

    private void addFile(ContextEntry entry) throws IOException {
        String first = firstPathOf(entry);
        if (first != null) {
            putHeader(entry, entry.name(), TarConstants.LF_LINK, 0, first);
            entriesWritten.incrementAndGet();
            return;
        }
        if (files == null) {
            throw new IllegalStateException("No walked files to read " + entry.path() + " from");
        }
        ReadableByteChannel in;
        try {
            in = files.open(entry.path(), entry.fileKey());
        } catch (NoSuchFileException vanished) {
            if (entry.inode() != null) {
                firstPathOfInode.remove(entry.inode());
            }
            return; // deleted since it was listed: as if it had not been there
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(entry.path(), e);
        }
        try (in) {
            putHeader(entry, entry.name(), TarConstants.LF_NORMAL, entry.size(), null);
            copyExactly(in, entry.size(), entry.path());
        }
        entriesWritten.incrementAndGet();
    }

    /** Adds a walked regular file with other contents (a rewritten .dockerignore): its header stays the file's own. */
    void addBytes(ContextEntry entry, byte[] contents) throws IOException {
        putHeader(entry, entry.name(), TarConstants.LF_NORMAL, contents.length, null);
        addContents(contents);
    }

    /** The header of a walked entry, with the mode bits and owner names of {@link #headers}. */
    private void putHeader(ContextEntry entry, String name, byte type, long size, String linkName)
            throws IOException {
        int mode = entry.mode();
        String userName = "";
        String groupName = "";
        if (headers.typeBits()) {
            mode |= switch (entry.type()) { // a hard link has the bits of the file it links to
                case DIRECTORY -> 040000;
                case FILE -> 0100000;
                case SYMLINK -> 0120000;
                case FIFO -> 010000;
                case SOCKET -> 0140000; // never written
            };
        }
        if (headers.ownerNames()) {
            userName = ownerName(entry, userNames, entry.uid(), "uid", "owner");
            groupName = ownerName(entry, groupNames, entry.gid(), "gid", "group");
        }
        putHeader(name, type, mode, entry.mtimeSeconds(), size, linkName, userName, groupName);
    }

    /**
     * The name of the entry's owner or group as the docker CLI 20.10 gives it (Go's user and group look-up through
     * the machine's databases): the system's name for the id, empty when it has none. Looked up once per id, from
     * the entry's attributes (Java asks the same databases); a name that would need a PAX record (not ASCII, or over
     * 31 bytes) is left empty.
     */
    private static String ownerName(ContextEntry entry, Map<Integer, String> known, int id, String idAttribute,
            String nameAttribute) {
        String name = known.get(id);
        if (name != null) {
            return name;
        }
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(entry.path(), "unix:" + idAttribute + "," + nameAttribute,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return ""; // gone or unreadable since the walk: its name is not known, and no header needs it
        }
        if (!Integer.valueOf(id).equals(attributes.get(idAttribute))) {
            return ""; // owner changed since the walk: do not record a name under the old id
        }
        name = ((Principal) attributes.get(nameAttribute)).getName();
        // Java names an id without an entry in the database by its number
        if (name.equals(Integer.toString(id)) || name.length() > 31 || !isShortAscii(name)) {
            name = "";
        }
        known.put(id, name);
        return name;
    }

    /** Adds a regular file whose contents are given (a small file such as a rewritten .dockerignore). */
    void addBytes(String name, byte[] contents, int mode, long mtimeSeconds) throws IOException {
        putHeader(name, TarConstants.LF_NORMAL, mode, mtimeSeconds, contents.length, null);
        addContents(contents);
    }

    /** The contents after their header, padded to a record: the entry is complete. */
    private void addContents(byte[] contents) throws IOException {
        write(contents, 0, contents.length);
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
        write(ZEROS, 0, RECORD);
        write(ZEROS, 0, RECORD);
        flush();
    }

    /** Writes what is buffered to the target stream. */
    void flush() throws IOException {
        writeBuffer();
        target.flush();
    }

    private void writeBuffer() throws IOException {
        if (used > 0) {
            target.write(buffer, 0, used);
            used = 0;
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        if (len > buffer.length - used) {
            writeBuffer();
            if (len >= buffer.length) {
                target.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buffer, used, len);
        used += len;
    }

    /** The first path written of a file with several hard links, if this is not it; null otherwise. */
    private String firstPathOf(ContextEntry entry) {
        return entry.inode() == null ? null : firstPathOfInode.putIfAbsent(entry.inode(), entry.name());
    }

    /** Writes the header record(s) of one entry with no owner names: the size announced is what must follow it. */
    void putHeader(String name, byte type, int mode, long mtimeSeconds, long size, String linkName)
            throws IOException {
        putHeader(name, type, mode, mtimeSeconds, size, linkName, "", "");
    }

    /**
     * Writes the header record(s) of one entry: the size announced is what must follow it.
     *
     * @param mode permission bits, and file-type bits when the CLI sends them ({@link CliTarHeaders})
     * @param userName the owner's name, ASCII of at most 31 bytes, or empty
     * @param groupName the group's name, likewise
     */
    void putHeader(String name, byte type, int mode, long mtimeSeconds, long size, String linkName, String userName,
            String groupName) throws IOException {
        if (isShortAscii(name) && (linkName == null || isShortAscii(linkName)) && name.charAt(0) != '/'
                && size >= 0 && size <= MAX_OCTAL_11 && mtimeSeconds >= 0 && mtimeSeconds <= MAX_OCTAL_11) {
            putUstarHeader(name, type, mode, mtimeSeconds, size, linkName, userName, groupName);
        } else if (FileNames.hasEscapedByte(name) || (linkName != null && FileNames.hasEscapedByte(linkName))) {
            putHeaderWithRawNames(name, type, mode, mtimeSeconds, size, linkName, userName, groupName);
        } else {
            byte[] header = headerByCommonsCompress(name, type, mode, mtimeSeconds, size, linkName, userName,
                    groupName);
            write(header, 0, header.length);
        }
    }

    /**
     * The headers of an entry whose name or link target is not valid UTF-8 (bytes {@link FileNames} holds as lone
     * surrogates), which Commons Compress would write as {@code ?}: a PAX header whose {@code path} and
     * {@code linkpath} records hold the bytes on disk, as Go's archive/tar writes them for the docker CLI and reads
     * them in the daemon, then the entry's ustar header with the ASCII characters of the names only (Go ignores
     * them when the PAX records are there).
     */
    private void putHeaderWithRawNames(String name, byte type, int mode, long mtimeSeconds, long size,
            String linkName, String userName, String groupName) throws IOException {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        paxRecord(records, "path", FileNames.encode(name));
        if (linkName != null) {
            paxRecord(records, "linkpath", FileNames.encode(linkName));
        }
        boolean bigSize = size < 0 || size > MAX_OCTAL_11;
        boolean oddTime = mtimeSeconds < 0 || mtimeSeconds > MAX_OCTAL_11;
        if (bigSize) {
            paxRecord(records, "size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        if (oddTime) {
            paxRecord(records, "mtime", Long.toString(mtimeSeconds).getBytes(StandardCharsets.US_ASCII));
        }
        byte[] pax = records.toByteArray();
        long mtime = oddTime ? 0 : mtimeSeconds;
        putUstarHeader(asciiOnly("PaxHeaders.0/" + name), TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644, mtime,
                pax.length, null, "", "");
        write(pax, 0, pax.length);
        pad(pax.length);
        putUstarHeader(asciiOnly(name), type, mode, mtime, bigSize ? 0 : size,
                linkName == null ? null : asciiOnly(linkName), userName, groupName);
    }

    private void putUstarHeader(String name, byte type, int mode, long mtime, long size, String linkName,
            String userName, String groupName) throws IOException {
        if (buffer.length - used < RECORD) {
            writeBuffer();
        }
        formatUstarHeader(used, name, type, mode & MODE_BITS, mtime, size, linkName, userName, groupName);
        used += RECORD;
    }

    /** One PAX record, {@code "LENGTH KEY=VALUE\n"}, whose length counts its own digits. */
    static void paxRecord(ByteArrayOutputStream out, String key, byte[] value) {
        int rest = key.length() + value.length + 3; // the space, '=' and the newline
        int length = rest + Integer.toString(rest).length();
        if (Integer.toString(length).length() > Integer.toString(rest).length()) {
            length++;
        }
        out.writeBytes((length + " " + key + "=").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(value);
        out.write('\n');
    }

    /** The printable ASCII characters of a name, cut to fit a ustar name field. */
    private static String asciiOnly(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < TarConstants.NAMELEN - 1; i++) {
            char c = name.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            }
        }
        return b.isEmpty() ? "_" : b.toString();
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
     * space, the checksum as six digits, NUL and space, magic {@code ustar\0} and version {@code 00}, the owner
     * names given (empty or short ASCII), uid, gid and device numbers 0 (the fixed fields come from
     * {@link #TEMPLATE}).
     */
    private void formatUstarHeader(int at, String name, byte type, int mode, long mtime, long size,
            String linkName, String userName, String groupName) {
        byte[] r = buffer;
        System.arraycopy(TEMPLATE, 0, r, at, RECORD);
        long sum = TEMPLATE_SUM + type;
        sum += ascii(name, r, at);
        sum += octal(mode, r, at + 100, 8);
        sum += octal(size, r, at + 124, 12);
        sum += octal(mtime, r, at + 136, 12);
        r[at + 156] = type;
        if (linkName != null) {
            sum += ascii(linkName, r, at + 157);
        }
        sum += ascii(userName, r, at + 265);
        sum += ascii(groupName, r, at + 297);
        for (int i = at + 153; i >= at + 148; i--) {
            r[i] = (byte) ('0' + (sum & 7));
            sum >>>= 3;
        }
        r[at + 154] = 0;
        r[at + 155] = ' ';
    }

    /** The fields that are the same in every header this class formats; the checksum field counts as spaces. */
    private static final byte[] TEMPLATE = new byte[RECORD];
    private static final long TEMPLATE_SUM;

    static {
        octal(0, TEMPLATE, 108, 8); // uid
        octal(0, TEMPLATE, 116, 8); // gid
        Arrays.fill(TEMPLATE, 148, 156, (byte) ' '); // checksum
        System.arraycopy(new byte[] {'u', 's', 't', 'a', 'r', 0, '0', '0'}, 0, TEMPLATE, 257, 8); // magic, version
        // uname and gname (32 bytes each at 265 and 297) are empty unless an entry names its owner
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
            String linkName, String userName, String groupName) throws IOException {
        TarArchiveEntry header = new TarArchiveEntry(name, type);
        header.setMode(mode & MODE_BITS);
        header.setUserId(0);
        header.setGroupId(0);
        header.setUserName(userName);
        header.setGroupName(groupName);
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
    private void copyExactly(ReadableByteChannel in, long size, Path what) throws IOException {
        long remaining = size;
        while (remaining > 0) {
            if (used == buffer.length) {
                writeBuffer();
            }
            // read straight into the free part of the buffer
            bufferView.limit((int) Math.min(buffer.length, used + remaining)).position(used);
            int n = in.read(bufferView);
            if (n < 0) {
                throw new ContextException("File " + what + " shrank while the build context was being sent:"
                        + " retry when nothing is modifying the context.");
            }
            used += n;
            remaining -= n;
        }
        pad(size);
    }

    private void pad(long size) throws IOException {
        int tail = (int) (size % RECORD);
        if (tail != 0) {
            write(ZEROS, 0, RECORD - tail);
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
