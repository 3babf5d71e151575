package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

/**
 * Walks a build context directory depth first, each directory's entries sorted by the bytes of their names and a
 * directory before its contents (the order of the docker CLI), applying a {@link DockerIgnore} the way the docker
 * CLI does. Symbolic links are reported as such and never followed; named pipes and sockets are reported (never
 * opened: each builder's writer does with them what the docker CLI does), devices are skipped.
 * <p>
 * Each directory is listed from its own descriptor and each subdirectory opened relative to its parent's without
 * following a link ({@link DirectoryHandle}), so a directory replaced by a link to the outside while the walk runs
 * fails the build instead of being walked through. Only the directories on the current path are held open (two
 * descriptors each); a path is at most {@code PATH_MAX} (4096) bytes, since attributes are also read by path, so a
 * walk holds at most a few thousand descriptors, far below the limit the JVM raises itself to on Linux. Names are
 * the bytes on disk ({@link FileNames}), whatever the JVM's file-name encoding. Nothing is buffered beyond the
 * entries of the directories on the current path.
 */
final class ContextWalker {

    /** Receives each entry to send, in order. */
    @FunctionalInterface
    interface Visitor {
        void visit(ContextEntry entry) throws IOException;
    }

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFIFO = 0010000;
    static final int S_IFSOCK = 0140000;

    private final Path root;
    private final DockerIgnore ignore;

    /**
     * @param root the context directory, already resolved with {@link Path#toRealPath}
     */
    ContextWalker(Path root, DockerIgnore ignore) {
        this.root = root;
        this.ignore = ignore;
    }

    void walk(Visitor visitor) throws IOException {
        try (DirectoryHandle top = DirectoryHandle.open(root)) {
            walkDirectory(top, null, null, visitor);
        }
    }

    /**
     * @param dirName the relative slash path of {@code dir}, null for the root: names read from a directory cannot
     *     contain a slash nor be {@code .} or {@code ..}, so joining them to it cannot leave the context
     */
    private void walkDirectory(DirectoryHandle dir, String dirName, DockerIgnore.Match dirMatch, Visitor visitor)
            throws IOException {
        if (Thread.currentThread().isInterrupted()) { // checked per directory: excluded entries reach no visitor
            throw new InterruptedIOException("The walk of the build context was stopped.");
        }
        for (Child child : dir.children()) {
            Path path = child.path();
            String name = dirName == null ? child.name() : dirName + "/" + child.name();
            Map<String, Object> attributes = dir.attributes(child);
            if (attributes == null) {
                continue; // deleted since the directory was listed
            }
            int fullMode = (Integer) attributes.get("mode");
            int format = fullMode & S_IFMT;
            DockerIgnore.Match match = ignore.match(name, dirMatch);
            if (match.excluded()) {
                if (format == S_IFDIR && ignore.mayReincludeBelow(name)) {
                    // the directory itself is not sent, but what a '!' pattern re-includes below it is
                    descend(dir, child, attributes, name, match, visitor);
                }
                continue;
            }
            ContextEntry.Type type = switch (format) {
                case S_IFDIR -> ContextEntry.Type.DIRECTORY;
                case S_IFREG -> ContextEntry.Type.FILE;
                case S_IFLNK -> ContextEntry.Type.SYMLINK;
                case S_IFIFO -> ContextEntry.Type.FIFO;
                case S_IFSOCK -> ContextEntry.Type.SOCKET;
                default -> null; // a device: not part of a build context
            };
            if (type == null) {
                continue;
            }
            long size = type == ContextEntry.Type.FILE ? (Long) attributes.get("size") : 0L;
            long mtime = ((FileTime) attributes.get("lastModifiedTime")).toInstant().getEpochSecond();
            String linkTarget = type == ContextEntry.Type.SYMLINK ? linkTarget(dir, child) : null;
            if (type == ContextEntry.Type.SYMLINK && linkTarget == null) {
                continue; // deleted since it was listed
            }
            ContextEntry.Inode inode = null;
            if (type != ContextEntry.Type.DIRECTORY && (Integer) attributes.get("nlink") > 1) {
                inode = new ContextEntry.Inode((Long) attributes.get("dev"), (Long) attributes.get("ino"));
            }
            visitor.visit(new ContextEntry(name, path, type, fullMode & 07777, size, mtime, linkTarget, inode,
                    attributes.get("fileKey"), (Integer) attributes.get("uid"), (Integer) attributes.get("gid")));
            if (type == ContextEntry.Type.DIRECTORY) {
                descend(dir, child, attributes, name, match, visitor);
            }
        }
    }

    /** Walks a child directory through its own descriptor, if it is still the directory whose attributes were read. */
    private void descend(DirectoryHandle dir, Child child, Map<String, Object> attributes, String name,
            DockerIgnore.Match match, Visitor visitor) throws IOException {
        DirectoryHandle sub = dir.openListedDirectory(child.path().getFileName(), attributes.get("fileKey"));
        if (sub == null) {
            return;
        }
        try (sub) {
            walkDirectory(sub, name, match, visitor);
        }
    }

    /**
     * A link's target, read by path (Java reads no link relative to a descriptor) and kept only if the path still
     * leads to the link that was walked: a target is a name, never content, but an outside one is not sent either.
     * Null when the link is gone, as an entry deleted since its directory was listed.
     */
    static String linkTarget(DirectoryHandle dir, Child link) throws IOException {
        String target;
        try {
            target = FileNames.linkTarget(link.path());
        } catch (NoSuchFileException vanished) {
            return null;
        } catch (NotLinkException replaced) {
            throw DirectoryHandle.changed(link.path(), replaced);
        }
        Map<String, Object> after = dir.attributes(link);
        if (after == null || ((Integer) after.get("mode") & S_IFMT) != S_IFLNK) {
            throw DirectoryHandle.changed(link.path(), null);
        }
        return target;
    }

    /** One directory entry: its name (lossless, see {@link FileNames}) and its path as the directory stream made it. */
    record Child(String name, Path path) {}

    /** A directory's entries, listed through its descriptor and sorted as the docker CLI and BuildKit sort them. */
    static List<Child> sortedChildren(Path dir) throws IOException {
        try (DirectoryHandle handle = DirectoryHandle.open(dir)) {
            return handle.children();
        }
    }

    /**
     * The relative slash path of an entry, refusing any path that is not strictly inside the context root.
     */
    static String relativeSlashPath(Path root, Path entry) throws ContextException {
        Path normalized = entry.normalize();
        if (!normalized.equals(entry) || !entry.startsWith(root) || entry.equals(root)) {
            throw escapes(root, entry);
        }
        Path relative = root.relativize(entry);
        if (relative.isAbsolute() || relative.getNameCount() == 0 || relative.startsWith("..")) {
            throw escapes(root, entry);
        }
        StringBuilder name = new StringBuilder();
        for (Path element : relative) {
            String part = FileNames.name(element);
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw escapes(root, entry);
            }
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(part);
        }
        return name.toString();
    }

    private static ContextException escapes(Path root, Path entry) {
        return new ContextException("Path " + entry + " is outside the build context " + root
                + ": only files inside the context directory can be sent.");
    }

    static ContextException unreadable(Path path, IOException cause) {
        return new ContextException("Cannot read " + path + " in the build context: make it readable or exclude it"
                + " in .dockerignore.", cause);
    }
}
