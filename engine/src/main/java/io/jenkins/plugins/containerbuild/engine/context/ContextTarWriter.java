package io.jenkins.plugins.containerbuild.engine.context;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
 */
final class ContextTarWriter implements AutoCloseable {

    private static final int COPY_BUFFER = 64 * 1024;

    private final TarArchiveOutputStream tar;
    private final AtomicLong entriesWritten;
    private final Map<ContextEntry.Inode, String> firstPathOfInode = new HashMap<>();
    private final byte[] buffer = new byte[COPY_BUFFER];

    /**
     * @param out receives the tar; not closed
     * @param entriesWritten incremented for each entry written
     * @param bytesWritten incremented with each tar byte written to {@code out}
     */
    ContextTarWriter(OutputStream out, AtomicLong entriesWritten, AtomicLong bytesWritten) {
        OutputStream target = new BufferedOutputStream(new CountingNonClosingStream(out, bytesWritten), COPY_BUFFER);
        // 512-byte blocks: the tar ends after its two zero records, without padding to 10 KiB (like Go's tar)
        this.tar = new TarArchiveOutputStream(target, TarConstants.DEFAULT_RCDSIZE, StandardCharsets.UTF_8.name());
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        this.tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.tar.setAddPaxHeadersForNonAsciiNames(true);
        this.entriesWritten = entriesWritten;
    }

    /** Writes one walked entry, with the contents of a regular file. */
    void add(ContextEntry entry) throws IOException {
        switch (entry.type()) {
            case DIRECTORY -> put(header(entry.name() + "/", TarConstants.LF_DIR, entry.mode(), entry.mtimeSeconds()));
            case SYMLINK -> {
                TarArchiveEntry header = linkOrHeader(entry, TarConstants.LF_SYMLINK);
                if (header.getLinkFlag() == TarConstants.LF_SYMLINK) {
                    header.setLinkName(entry.linkTarget());
                }
                put(header);
            }
            case FILE -> addFile(entry);
        }
    }

    private void addFile(ContextEntry entry) throws IOException {
        TarArchiveEntry header = linkOrHeader(entry, TarConstants.LF_NORMAL);
        if (header.getLinkFlag() == TarConstants.LF_LINK) {
            put(header);
            return;
        }
        InputStream in;
        try {
            in = Files.newInputStream(entry.path(), LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException vanished) {
            if (entry.inode() != null) {
                firstPathOfInode.remove(entry.inode());
            }
            return; // deleted since it was listed: as if it had not been there
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(entry.path(), e);
        }
        try (in) {
            header.setSize(entry.size());
            tar.putArchiveEntry(header);
            copyExactly(in, entry.size(), entry.path().toString());
            tar.closeArchiveEntry();
        }
        entriesWritten.incrementAndGet();
    }

    /** Adds a regular file whose contents are given (a small file such as a rewritten .dockerignore). */
    void addBytes(String name, byte[] contents, int mode, long mtimeSeconds) throws IOException {
        TarArchiveEntry header = header(name, TarConstants.LF_NORMAL, mode, mtimeSeconds);
        header.setSize(contents.length);
        tar.putArchiveEntry(header);
        copyExactly(new ByteArrayInputStream(contents), contents.length, name);
        tar.closeArchiveEntry();
        entriesWritten.incrementAndGet();
    }

    /** Adds a regular file from disk under another name (a Dockerfile from outside the context). */
    void addFileAs(String name, Path file, int mode, long mtimeSeconds) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            TarArchiveEntry header = header(name, TarConstants.LF_NORMAL, mode, mtimeSeconds);
            header.setSize(size);
            tar.putArchiveEntry(header);
            copyExactly(in, size, file.toString());
            tar.closeArchiveEntry();
        }
        entriesWritten.incrementAndGet();
    }

    /** Finishes the tar (end-of-archive records) and flushes it; the target stream stays open. */
    @Override
    public void close() throws IOException {
        tar.close();
    }

    private TarArchiveEntry linkOrHeader(ContextEntry entry, byte type) {
        if (entry.inode() != null) {
            String first = firstPathOfInode.putIfAbsent(entry.inode(), entry.name());
            if (first != null) {
                TarArchiveEntry link = header(entry.name(), TarConstants.LF_LINK, entry.mode(), entry.mtimeSeconds());
                link.setLinkName(first);
                return link;
            }
        }
        return header(entry.name(), type, entry.mode(), entry.mtimeSeconds());
    }

    private static TarArchiveEntry header(String name, byte type, int mode, long mtimeSeconds) {
        TarArchiveEntry header = new TarArchiveEntry(name, type);
        header.setMode(mode & 07777);
        header.setUserId(0);
        header.setGroupId(0);
        header.setUserName("");
        header.setGroupName("");
        header.setModTime(FileTime.from(mtimeSeconds, TimeUnit.SECONDS));
        return header;
    }

    private void put(TarArchiveEntry header) throws IOException {
        tar.putArchiveEntry(header);
        tar.closeArchiveEntry();
        entriesWritten.incrementAndGet();
    }

    /** Copies exactly the size announced in the header; a file that grew meanwhile is cut at that size. */
    private void copyExactly(InputStream in, long size, String what) throws IOException {
        long remaining = size;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new ContextException("File " + what + " shrank while the build context was being sent:"
                        + " retry when nothing is modifying the context.");
            }
            tar.write(buffer, 0, n);
            remaining -= n;
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
