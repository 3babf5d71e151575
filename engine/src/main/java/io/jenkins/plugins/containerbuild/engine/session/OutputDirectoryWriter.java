package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.Printable;
import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
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
 * <li>a file must receive exactly the bytes its STAT announced: more, or an end before them, is a protocol violation
 * that fails the export;</li>
 * <li>names are bytes: a path arrives as the daemon's bytes (a {@link FileNames} string) and each of its elements is
 * made with {@link FileNames#resolve}, so the file on disk has exactly those bytes whatever the JVM's locale.</li>
 * </ul>
 *
 * <p>Why this holds while links can appear. Only one export writes into the destination at a time
 * ({@link FileSendService} refuses a second concurrent call), so between two steps of this writer nothing else of the
 * build changes the tree. Creating an entry (mkdir, a link, a hard link) and setting a new file's mode and time on its
 * temporary name go by path and never follow the last element, and every directory above it was made or confirmed,
 * without following links, by this export itself. What must stay right whatever an earlier export or the rest of the
 * session left behind goes through directory handles ({@link SecureDirectoryStream}, {@code openat} with
 * {@code O_NOFOLLOW} one element at a time): a file's content is created and renamed into place relative to its
 * directory's handle; the directories' modes and times are set on the directory's own handle after its (device,
 * inode) was checked against what this export made or confirmed; and a roll-back removes an entry only when it is
 * reached that way and still has the (device, inode) it had when this export created it, so it can never delete
 * through a link. The JDK has no {@code mkdirat} or {@code symlinkat}, which is why creation relies on the one-writer
 * rule rather than on handles; the setuid, setgid and sticky bits of a directory are set by path after the handle's
 * check (the handle can set only the permission bits), under the same rule. Processes that change the destination
 * while the export runs are not defended against.
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
    /** The empty path: the parent of a one-element relative path. */
    private static final Path NO_DIRECTORY = Path.of("");

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
    private final List<Made> created = new ArrayList<>();
    /** The (device, inode) of each directory of the export, as made or confirmed: checked before its mode is set. */
    private final Map<String, Object> directoryKeys = new HashMap<>();
    private final Set<Path> temporaries = new HashSet<>();
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final List<FsPacket.Stat> directoryStats = new ArrayList<>();
    private final List<FsPacket.Stat> hardLinks = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private long bytesWritten;

    /** An entry this export created: its relative path and its (device, inode), the only thing a rollback removes. */
    private record Made(String path, Object key) {}

    /** A regular file whose content is on its way. */
    private static final class Pending {
        final FsPacket.Stat stat;
        final String path;
        final Path target;
        final boolean existed;
        Path temporary;
        SeekableByteChannel channel;
        long received;

        Pending(FsPacket.Stat stat, String path, Path target, boolean existed) {
            this.stat = stat;
            this.path = path;
            this.target = target;
            this.existed = existed;
        }
    }

    /** @param root the destination directory, which exists; written only inside */
    OutputDirectoryWriter(Path root) {
        this.root = root;
    }

    /** The relative path of an export under the root, each element with exactly its bytes. */
    private Path resolve(String path) {
        return root.resolve(FileNames.path(path));
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
        Path target = resolve(path);
        requireRealDirectory(target.getParent(), path);
        BasicFileAttributes existing = attributes(target);
        int mode = stat.mode();
        try {
            if ((mode & GO_DIR) != 0) {
                directory(path, target, existing, stat);
                return false;
            }
            if (existing != null && existing.isDirectory()) {
                throw new OutputException("The output's entry \"" + printable(path) + "\" would replace the directory "
                        + printable(target) + ": remove it, or export into an empty directory.", null);
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
                    throw refused(path, "is a hard link to " + printable(linked) + ", which is not a file of this"
                            + " export");
                }
                hardLinks.add(stat);
                return false;
            }
            regularFiles.add(path);
            pending.put(id, new Pending(stat, path, target, existing != null));
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
            if (chunk.length > p.stat.size() - p.received) {
                throw protocolViolation("sent more than the " + p.stat.size() + " bytes it announced for the output's"
                        + " file \"" + printable(p.path) + "\"");
            }
            p.received += chunk.length;
            ByteBuffer b = ByteBuffer.wrap(chunk);
            while (b.hasRemaining()) {
                p.channel.write(b);
            }
            bytesWritten += chunk.length;
        } catch (OutputException e) {
            throw e;
        } catch (IOException e) {
            throw cannotWrite(p.target, e);
        }
    }

    /** File {@code id} is complete: its mode and time are set and it is renamed into place. */
    synchronized void endOfFile(int id) throws OutputException {
        Pending p = pendingFile(id);
        if (p.received != p.stat.size()) { // a file cut short is never put in place as if it were the build's
            throw protocolViolation("ended the output's file \"" + printable(p.path) + "\" after " + p.received
                    + " of the " + p.stat.size() + " bytes it announced");
        }
        try {
            if (p.channel == null) {
                open(p); // an empty file
            }
            p.channel.close();
            Files.setAttribute(p.temporary, "unix:mode", unixMode(p.stat.mode())); // our own new file, not a link
            setTime(p.temporary, p.stat.modTime());
            renameInDirectory(p);
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
            Path target = resolve(link.path());
            Path linked = resolve(link.linkname());
            try {
                requireRealDirectory(target.getParent(), link.path());
                BasicFileAttributes existing = attributes(target);
                if (existing != null && existing.isDirectory()) {
                    throw new OutputException("The output's entry \"" + printable(link.path()) + "\" would replace"
                            + " the directory " + printable(target) + ": remove it, or export into an empty directory.",
                            null);
                }
                Path temporary = temporaryBeside(target);
                Files.createLink(temporary, linked); // link(2) does not follow a link, and linked is our file
                temporaries.add(temporary);
                moveIntoPlace(temporary, target, link.path(), existing != null);
            } catch (OutputException e) {
                throw e;
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
        // deepest first: setting a parent's time before its children are done would be undone by them
        for (int i = directoryStats.size() - 1; i >= 0; i--) {
            FsPacket.Stat d = directoryStats.get(i);
            Path dir = resolve(d.path());
            try (SecureDirectoryStream<Path> handle = openDirectory(d.path())) {
                // reached without following a link, and still the directory this export made or confirmed: an
                // earlier export's link or a removed and re-made name is never chmodded through
                if (handle == null || !directoryKeys.get(d.path()).equals(handle.getFileAttributeView(
                        BasicFileAttributeView.class).readAttributes().fileKey())) {
                    throw refused(d.path(), "is no longer the directory this export made");
                }
                int mode = unixMode(d.mode());
                handle.getFileAttributeView(PosixFileAttributeView.class).setPermissions(permissions(mode));
                if ((mode & 07000) != 0) {
                    Files.setAttribute(dir, "unix:mode", mode); // checked just above; see the class's javadoc
                }
                FileTime t = FileTime.from(d.modTime(), TimeUnit.NANOSECONDS);
                handle.getFileAttributeView(BasicFileAttributeView.class).setTimes(t, null, null);
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
            removeCreated(created.get(i));
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
            created.add(new Made(path, key(target)));
        }
        directoryKeys.put(path, key(target));
        directories.add(path);
        directoryStats.add(stat);
    }

    private void symbolicLink(String path, Path target, BasicFileAttributes existing, FsPacket.Stat stat)
            throws IOException {
        if (stat.linkname().isEmpty() || stat.linkname().indexOf('\0') >= 0) {
            throw refused(path, "is a symbolic link without a valid target");
        }
        Path temporary = temporaryBeside(target);
        Files.createSymbolicLink(temporary, FileNames.path(stat.linkname())); // the daemon's bytes, none re-encoded
        temporaries.add(temporary);
        setTime(temporary, stat.modTime());
        moveIntoPlace(temporary, target, path, existing != null);
    }

    private void open(Pending p) throws IOException {
        p.temporary = temporaryBeside(p.target);
        try (SecureDirectoryStream<Path> dir = parentDirectory(p)) {
            // openat(2) in the directory's handle; CREATE_NEW is O_EXCL: it never opens or follows what is there
            p.channel = dir.newByteChannel(p.temporary.getFileName(), Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        }
        temporaries.add(p.temporary);
    }

    /** renameat(2) in the file's directory handle: replaces a file or a link there, never writes through it. */
    private void renameInDirectory(Pending p) throws IOException {
        try (SecureDirectoryStream<Path> dir = parentDirectory(p)) {
            dir.move(p.temporary.getFileName(), dir, p.target.getFileName());
        }
        temporaries.remove(p.temporary);
        if (!p.existed) {
            created.add(new Made(p.path, key(p.target)));
        }
    }

    /** The handle of a file's directory, reached without following a link; refused when it is not one any more. */
    private SecureDirectoryStream<Path> parentDirectory(Pending p) throws IOException {
        SecureDirectoryStream<Path> dir = openDirectory(parentOf(p.path));
        if (dir == null) {
            throw refused(p.path, "would be written through " + printable(p.target.getParent()) + ", which is not a"
                    + " directory of the export");
        }
        return dir;
    }

    /** rename(2) over the destination: replaces a file or a link there, never writes through it. */
    private void moveIntoPlace(Path temporary, Path target, String path, boolean existed) throws IOException {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        temporaries.remove(temporary);
        if (!existed) {
            created.add(new Made(path, key(target)));
        }
    }

    /** The (device, inode) of an entry, its link itself when it is one. */
    private static Object key(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /**
     * The directory at this relative path of the export, opened one element at a time from the root without
     * following a link ({@code openat} with {@code O_NOFOLLOW}); null when an element is missing, a link or not a
     * directory.
     */
    private SecureDirectoryStream<Path> openDirectory(String path) throws IOException {
        SecureDirectoryStream<Path> dir = openSecure(root);
        if (path.isEmpty()) {
            return dir;
        }
        for (String element : path.split("/")) {
            SecureDirectoryStream<Path> next;
            try {
                next = dir.newDirectoryStream(FileNames.resolve(NO_DIRECTORY, element), LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                dir.close();
                return null; // missing, a link (ELOOP) or not a directory
            }
            dir.close();
            dir = next;
        }
        return dir;
    }

    /**
     * The output directory's handle, for operations relative to it that follow no link; refused where the JDK has no
     * {@link SecureDirectoryStream}, since without one a local output cannot be kept inside its directory.
     */
    static SecureDirectoryStream<Path> openSecure(Path dir) throws IOException {
        DirectoryStream<Path> opened = Files.newDirectoryStream(dir);
        if (!(opened instanceof SecureDirectoryStream<Path> secure)) {
            opened.close();
            throw new OutputException("This platform cannot open directories without following links, which a"
                    + " local output needs to stay inside " + dir + ": use a tar output (type=tar) instead.", null);
        }
        return secure;
    }

    /**
     * Removes one entry this export created, reached through directory handles without following links and only
     * while it still has the (device, inode) it had when made: whatever replaced it, and whatever a link there points
     * to, stays.
     */
    private void removeCreated(Made m) {
        Path name = FileNames.resolve(NO_DIRECTORY, m.path().substring(m.path().lastIndexOf('/') + 1));
        try (SecureDirectoryStream<Path> dir = openDirectory(parentOf(m.path()))) {
            if (dir == null) {
                return; // the way to it changed: what is there now is not this export's to remove
            }
            BasicFileAttributes a = dir.getFileAttributeView(name, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!m.key().equals(a.fileKey())) {
                return;
            }
            if (a.isDirectory()) {
                dir.deleteDirectory(name); // unlinkat(2) with AT_REMOVEDIR: only when empty
            } else {
                dir.deleteFile(name); // unlinkat(2): a link is removed itself
            }
        } catch (IOException ignored) {
            // gone already, not empty (something else was put in it), or nothing more can be done
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = new HashSet<>();
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, 0400 down to 01
        for (int i = 0; i < all.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(all[i]);
            }
        }
        return set;
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
            throw refused(path, "would be written through " + printable(dir) + ", which is not a directory");
        }
    }

    private static BasicFileAttributes attributes(Path p) throws OutputException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new OutputException("Cannot read " + printable(p) + " (" + Printable.line(e.getMessage())
                    + "): check the output directory's permissions.", e);
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

    /** The daemon broke the file send's rules for a file: {@code what} it did, as "The daemon WHAT: ...". */
    private static OutputException protocolViolation(String what) {
        return new OutputException("The daemon " + what + ": the export was stopped as a protocol violation and what"
                + " it wrote is removed; run the build again and report it if it persists.", null);
    }

    private static OutputException cannotWrite(Path p, Exception e) {
        return new OutputException("Cannot write " + printable(p) + " (" + Printable.line(e.getMessage())
                + "): check that the output directory is writable and has room.", e);
    }

    /**
     * A name the daemon sent, as a message shows it: on one line ({@link Printable#line}: no line break or control
     * of it reaches the user's terminal or log), each byte that is not UTF-8 as {@code \\xNN} (see FileNames), at
     * most 300 characters of it.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(300).forEach(c -> {
            if (c >= 0xDC80 && c <= 0xDCFF) { // a byte that is not UTF-8 (see FileNames)
                b.append(String.format("\\x%02x", c - 0xDC00));
            } else {
                b.appendCodePoint(c);
            }
        });
        return Printable.line(b.toString());
    }

    /** A path under the destination, as a message shows it: its last elements are the daemon's names. */
    private static String printable(Path p) {
        return Printable.line(String.valueOf(p));
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
