package io.jenkins.plugins.containerbuild.engine.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Writes the entries of one local export (the STAT packets and file contents BuildKit's local exporter sends) into
 * one directory, and nowhere else:
 * <ul>
 * <li>a path is refused unless it is relative, has no empty, {@code .} or {@code ..} component, appears once, and
 * lies in a directory this export created or confirmed as a real directory: nothing is ever written through a
 * symbolic link, whether the build or the destination's previous content made it;</li>
 * <li>symbolic links are created as links, their target kept as sent (an absolute target such as
 * {@code /etc/passwd} too): they are never followed, modes are never set on them, times are set on the link
 * itself;</li>
 * <li>a file's content goes to a fresh temporary name in its directory and is renamed over the destination when
 * complete, so no destination path ever holds half a file; a hard link is made, at the end, to a file this same
 * export wrote;</li>
 * <li>devices, pipes and sockets cannot be made without privileges and are skipped (named by {@link #skipped()});
 * owners and extended attributes are not copied (the files belong to the user running the engine, as with the
 * docker CLI); modes are copied, setuid, setgid and sticky bits included;</li>
 * <li>{@link #rollback()} removes every temporary file and every entry this export created that did not exist
 * before. An existing file or link that the export replaced stays replaced.</li>
 * </ul>
 * Processes that change the destination while the export runs are not defended against.
 */
final class OutputDirectoryWriter {

    // Go's os.FileMode bits, as fsutil's Stat carries them
    static final int GO_DIR = 1 << 31;
    static final int GO_SYMLINK = 1 << 27;
    static final int GO_DEVICE = 1 << 26;
    static final int GO_NAMED_PIPE = 1 << 25;
    static final int GO_SOCKET = 1 << 24;
    static final int GO_SETUID = 1 << 23;
    static final int GO_SETGID = 1 << 22;
    static final int GO_CHAR_DEVICE = 1 << 21;
    static final int GO_STICKY = 1 << 20;
    static final int GO_IRREGULAR = 1 << 19;
    private static final int GO_TYPE = GO_DIR | GO_SYMLINK | GO_DEVICE | GO_NAMED_PIPE | GO_SOCKET | GO_CHAR_DEVICE
            | GO_IRREGULAR;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Thrown for everything the writer refuses or cannot do; its message is for the user. */
    static final class OutputException extends IOException {
        OutputException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path root;
    /** Paths (relative, '/'-separated) known to be real directories of the destination: "" is the root. */
    private final Set<String> directories = new HashSet<>(Set.of(""));
    private final Set<String> seen = new HashSet<>();
    /** Regular files this export wrote: the only possible targets of its hard links. */
    private final Set<String> regularFiles = new HashSet<>();
    /** What this export created, in creation order: removed in reverse order by a rollback. */
    private final List<Path> created = new ArrayList<>();
    private final Set<Path> temporaries = new HashSet<>();
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final List<FsPacket.Stat> directoryStats = new ArrayList<>();
    private final List<FsPacket.Stat> hardLinks = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private long bytesWritten;

    /** A regular file whose content is on its way. */
    private static final class Pending {
        final FsPacket.Stat stat;
        final Path target;
        final boolean existed;
        Path temporary;
        SeekableByteChannel channel;

        Pending(FsPacket.Stat stat, Path target, boolean existed) {
            this.stat = stat;
            this.target = target;
            this.existed = existed;
        }
    }

    /** @param root the destination directory, which exists; written only inside */
    OutputDirectoryWriter(Path root) {
        this.root = root;
    }

    /**
     * Takes one entry of the walk. Returns true when it is a file whose content must be requested, under the id
     * the sender numbered it with.
     */
    synchronized boolean add(int id, FsPacket.Stat stat) throws OutputException {
        String path = checkedPath(stat.path());
        if (!seen.add(path)) {
            throw refused(path, "is sent twice");
        }
        int slash = path.lastIndexOf('/');
        String parent = slash < 0 ? "" : path.substring(0, slash);
        if (!directories.contains(parent)) {
            throw refused(path, "does not lie in a directory of the export (its parent is a link, a file or was"
                    + " never sent)");
        }
        Path target = root.resolve(path);
        requireRealDirectory(target.getParent(), path);
        BasicFileAttributes existing = attributes(target);
        int mode = stat.mode();
        try {
            if ((mode & GO_DIR) != 0) {
                directory(path, target, existing, stat);
                return false;
            }
            if (existing != null && existing.isDirectory()) {
                throw new OutputException("The output's entry " + path + " would replace the directory " + target
                        + ": remove it, or export into an empty directory.", null);
            }
            if ((mode & GO_SYMLINK) != 0) {
                symbolicLink(path, target, existing, stat);
                return false;
            }
            if ((mode & GO_TYPE) != 0) {
                skipped.add(path);
                return false;
            }
            if (!stat.linkname().isEmpty()) {
                String linked = checkedPath(stat.linkname());
                if (!regularFiles.contains(linked)) {
                    throw refused(path, "is a hard link to " + linked + ", which is not a file of this export");
                }
                hardLinks.add(stat);
                return false;
            }
            regularFiles.add(path);
            pending.put(id, new Pending(stat, target, existing != null));
            return true;
        } catch (OutputException e) {
            throw e;
        } catch (IOException | InvalidPathException e) {
            throw cannotWrite(target, e);
        }
    }

    /** A chunk of file {@code id}'s content. */
    synchronized void data(int id, byte[] chunk) throws OutputException {
        Pending p = pendingFile(id);
        try {
            if (p.channel == null) {
                open(p);
            }
            ByteBuffer b = ByteBuffer.wrap(chunk);
            while (b.hasRemaining()) {
                p.channel.write(b);
            }
            bytesWritten += chunk.length;
        } catch (IOException e) {
            throw cannotWrite(p.target, e);
        }
    }

    /** File {@code id} is complete: its mode and time are set and it is renamed into place. */
    synchronized void endOfFile(int id) throws OutputException {
        Pending p = pendingFile(id);
        try {
            if (p.channel == null) {
                open(p); // an empty file
            }
            p.channel.close();
            Files.setAttribute(p.temporary, "unix:mode", unixMode(p.stat.mode())); // our own new file, not a link
            setTime(p.temporary, p.stat.modTime());
            moveIntoPlace(p.temporary, p.target, p.existed);
            pending.remove(id);
        } catch (IOException e) {
            throw cannotWrite(p.target, e);
        }
    }

    /** True while some requested file has not arrived completely. */
    synchronized boolean filesPending() {
        return !pending.isEmpty();
    }

    /** After the walk and every file: makes the hard links, then sets the directories' modes and times. */
    synchronized void finish() throws OutputException {
        for (FsPacket.Stat link : hardLinks) {
            Path target = root.resolve(link.path());
            Path linked = root.resolve(link.linkname());
            try {
                requireRealDirectory(target.getParent(), link.path());
                BasicFileAttributes existing = attributes(target);
                if (existing != null && existing.isDirectory()) {
                    throw new OutputException("The output's entry " + link.path() + " would replace the directory "
                            + target + ": remove it, or export into an empty directory.", null);
                }
                Path temporary = temporaryBeside(target);
                Files.createLink(temporary, linked); // link(2) does not follow a link, and linked is our file
                temporaries.add(temporary);
                moveIntoPlace(temporary, target, existing != null);
            } catch (OutputException e) {
                throw e;
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
        // deepest first: setting a parent's time before its children are done would be undone by them
        for (int i = directoryStats.size() - 1; i >= 0; i--) {
            FsPacket.Stat d = directoryStats.get(i);
            Path dir = root.resolve(d.path());
            try {
                BasicFileAttributes a = attributes(dir);
                // chmod only what is a directory now: the JDK's unix:mode follows a link even with NOFOLLOW_LINKS
                if (a == null || !a.isDirectory()) {
                    throw refused(d.path(), "is no longer a directory");
                }
                Files.setAttribute(dir, "unix:mode", unixMode(d.mode()));
                setTime(dir, d.modTime());
            } catch (OutputException e) {
                throw e;
            } catch (IOException e) {
                throw cannotWrite(dir, e);
            }
        }
    }

    /** Removes the temporary files and what this export created; what it replaced stays replaced. */
    synchronized void rollback() {
        for (Pending p : pending.values()) {
            closeQuietly(p.channel);
        }
        pending.clear();
        for (Path t : temporaries) {
            deleteQuietly(t);
        }
        temporaries.clear();
        for (int i = created.size() - 1; i >= 0; i--) {
            deleteQuietly(created.get(i));
        }
        created.clear();
    }

    synchronized List<String> skipped() {
        return List.copyOf(skipped);
    }

    synchronized long bytesWritten() {
        return bytesWritten;
    }

    private void directory(String path, Path target, BasicFileAttributes existing, FsPacket.Stat stat)
            throws IOException {
        if (existing == null || !existing.isDirectory()) {
            if (existing != null) {
                Files.delete(target); // a file or a link (the link itself, never its target)
            }
            Files.createDirectory(target); // mkdir(2): fails on whatever appeared there, follows nothing
            created.add(target);
        }
        directories.add(path);
        directoryStats.add(stat);
    }

    private void symbolicLink(String path, Path target, BasicFileAttributes existing, FsPacket.Stat stat)
            throws IOException {
        if (stat.linkname().isEmpty() || stat.linkname().indexOf('\0') >= 0) {
            throw refused(path, "is a symbolic link without a valid target");
        }
        Path temporary = temporaryBeside(target);
        Files.createSymbolicLink(temporary, Path.of(stat.linkname()));
        temporaries.add(temporary);
        setTime(temporary, stat.modTime());
        moveIntoPlace(temporary, target, existing != null);
    }

    private void open(Pending p) throws IOException {
        requireRealDirectory(p.target.getParent(), p.stat.path());
        p.temporary = temporaryBeside(p.target);
        // CREATE_NEW is O_EXCL: it never opens or follows anything that is already there
        p.channel = Files.newByteChannel(p.temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        temporaries.add(p.temporary);
    }

    /** rename(2) over the destination: replaces a file or a link there, never writes through it. */
    private void moveIntoPlace(Path temporary, Path target, boolean existed) throws IOException {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        temporaries.remove(temporary);
        if (!existed) {
            created.add(target);
        }
    }

    private Pending pendingFile(int id) throws OutputException {
        Pending p = pending.get(id);
        if (p == null) {
            throw new OutputException("The daemon sent content for file id " + id + ", which was not requested:"
                    + " the export is refused; run the build again and report it if it persists.", null);
        }
        return p;
    }

    private void requireRealDirectory(Path dir, String path) throws OutputException {
        BasicFileAttributes a = attributes(dir);
        if (a == null || !a.isDirectory()) {
            throw refused(path, "would be written through " + dir + ", which is not a directory");
        }
    }

    private static BasicFileAttributes attributes(Path p) throws OutputException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new OutputException("Cannot read " + p + " (" + e.getMessage() + "): check the output directory's"
                    + " permissions.", e);
        }
    }

    private static Path temporaryBeside(Path target) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return target.resolveSibling(".cb-export-" + HexFormat.of().formatHex(b));
    }

    private static void setTime(Path p, long modTimeNanos) throws IOException {
        FileTime t = FileTime.from(modTimeNanos, TimeUnit.NANOSECONDS);
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, null, null);
    }

    /** Permission bits of a Go file mode as chmod(2) takes them. */
    static int unixMode(int goMode) {
        int m = goMode & 0777;
        if ((goMode & GO_SETUID) != 0) {
            m |= 04000;
        }
        if ((goMode & GO_SETGID) != 0) {
            m |= 02000;
        }
        if ((goMode & GO_STICKY) != 0) {
            m |= 01000;
        }
        return m;
    }

    /**
     * A path as the sender must give it: relative, '/'-separated, without empty, {@code .} or {@code ..}
     * components or NUL.
     */
    String checkedPath(String path) throws OutputException {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw refused(String.valueOf(path), "is not a relative path");
        }
        for (String component : path.split("/", -1)) {
            if (component.isEmpty() || component.equals(".") || component.equals("..")) {
                throw refused(path, "has an empty, '.' or '..' component");
            }
        }
        return path;
    }

    private OutputException refused(String path, String why) {
        return new OutputException("The build's output sent the path \"" + printable(path) + "\", which " + why
                + ": the export into " + root + " was stopped before anything was written outside it; fix the"
                + " build's last stage.", null);
    }

    private static OutputException cannotWrite(Path p, Exception e) {
        return new OutputException("Cannot write " + p + " (" + e.getMessage() + "): check that the output"
                + " directory is writable and has room.", e);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(300).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static void closeQuietly(SeekableByteChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the file is removed next
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p); // a link is removed itself; a directory only when empty
        } catch (DirectoryNotEmptyException e) {
            // something else was put in it: leave it
        } catch (IOException ignored) {
            // nothing more can be done
        }
    }
}
