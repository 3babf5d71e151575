package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Walks a build context directory depth first, each directory's entries sorted by name and a directory before its
 * contents (the order of the docker CLI), applying a {@link DockerIgnore} the way the docker CLI does. Symbolic links
 * are reported as such and never followed; sockets, named pipes and devices are skipped. Nothing is buffered beyond
 * the names of the directories on the current path.
 */
final class ContextWalker {

    /** Receives each entry to send, in order. */
    @FunctionalInterface
    interface Visitor {
        void visit(ContextEntry entry) throws IOException;
    }

    static final String ATTRIBUTES = "unix:mode,ino,dev,nlink,size,lastModifiedTime";
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

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
        walkDirectory(root, null, null, visitor);
    }

    /**
     * @param dirName the relative slash path of {@code dir}, null for the root: names read from a directory cannot
     *     contain a slash nor be {@code .} or {@code ..}, so joining them to it cannot leave the context
     */
    private void walkDirectory(Path dir, String dirName, DockerIgnore.Match dirMatch, Visitor visitor)
            throws IOException {
        if (Thread.currentThread().isInterrupted()) { // checked per directory: excluded entries reach no visitor
            throw new InterruptedIOException("The walk of the build context was stopped.");
        }
        for (Child child : sortedChildren(dir)) {
            Path path = child.path();
            String name = dirName == null ? child.name() : dirName + "/" + child.name();
            Map<String, Object> attributes;
            try {
                attributes = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException vanished) {
                continue; // deleted since the directory was listed
            } catch (AccessDeniedException e) {
                throw unreadable(path, e);
            }
            int fullMode = (Integer) attributes.get("mode");
            int format = fullMode & S_IFMT;
            DockerIgnore.Match match = ignore.match(name, dirMatch);
            if (match.excluded()) {
                if (format == S_IFDIR && ignore.mayReincludeBelow(name)) {
                    // the directory itself is not sent, but what a '!' pattern re-includes below it is
                    walkDirectory(path, name, match, visitor);
                }
                continue;
            }
            ContextEntry.Type type = switch (format) {
                case S_IFDIR -> ContextEntry.Type.DIRECTORY;
                case S_IFREG -> ContextEntry.Type.FILE;
                case S_IFLNK -> ContextEntry.Type.SYMLINK;
                default -> null; // socket, pipe or device: not part of a build context
            };
            if (type == null) {
                continue;
            }
            long size = type == ContextEntry.Type.FILE ? (Long) attributes.get("size") : 0L;
            long mtime = ((FileTime) attributes.get("lastModifiedTime")).toInstant().getEpochSecond();
            String linkTarget = type == ContextEntry.Type.SYMLINK ? Files.readSymbolicLink(path).toString() : null;
            ContextEntry.Inode inode = null;
            if (type != ContextEntry.Type.DIRECTORY && (Integer) attributes.get("nlink") > 1) {
                inode = new ContextEntry.Inode((Long) attributes.get("dev"), (Long) attributes.get("ino"));
            }
            visitor.visit(new ContextEntry(name, path, type, fullMode & 07777, size, mtime, linkTarget, inode));
            if (type == ContextEntry.Type.DIRECTORY) {
                walkDirectory(path, name, match, visitor);
            }
        }
    }

    /** One directory entry: its name and its path as the directory stream made it. */
    record Child(String name, Path path) {}

    /** A directory's entries, sorted as the docker CLI and BuildKit's file sync sort them. */
    static List<Child> sortedChildren(Path dir) throws IOException {
        List<Child> children = new ArrayList<>();
        String dirString = dir.toString();
        // the stream's paths are dir + "/" + name; cut the name from the string instead of parsing each path again
        int nameStart = dirString.endsWith("/") ? dirString.length() : dirString.length() + 1;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String full = entry.toString();
                String name = full.length() > nameStart && full.startsWith(dirString)
                        ? full.substring(nameStart)
                        : entry.getFileName().toString();
                children.add(new Child(name, entry));
            }
        } catch (AccessDeniedException e) {
            throw unreadable(dir, e);
        }
        // code point order is the byte order of the UTF-8 names, which is how the docker CLI sorts; without
        // surrogates it is the order of String.compareTo
        children.sort(anySurrogate(children)
                ? (a, b) -> compareCodePoints(a.name(), b.name())
                : (a, b) -> a.name().compareTo(b.name()));
        return children;
    }

    private static boolean anySurrogate(List<Child> children) {
        for (Child child : children) {
            String name = child.name();
            for (int i = 0; i < name.length(); i++) {
                if (Character.isSurrogate(name.charAt(i))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Compares by code point; the same as {@link String#compareTo} until a surrogate is involved. */
    static int compareCodePoints(String a, String b) {
        int common = Math.min(a.length(), b.length());
        for (int i = 0; i < common; i++) {
            char ca = a.charAt(i);
            char cb = b.charAt(i);
            if (ca != cb) {
                if (ca < Character.MIN_SURROGATE && cb < Character.MIN_SURROGATE) {
                    return ca - cb;
                }
                // the equal prefix may end with the high half of a pair: compare from the start of the code point
                int at = i > 0 && Character.isHighSurrogate(a.charAt(i - 1)) ? i - 1 : i;
                return Integer.compare(a.codePointAt(at), b.codePointAt(at));
            }
        }
        return Integer.compare(a.length(), b.length());
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
            String part = element.toString();
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
