package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A directory offered to BuildKit through a build session: walked the way BuildKit's file sync expects (depth first,
 * each directory's entries in byte order of their UTF-8 names, a directory before its contents), filtered by what
 * the daemon asks for (exclude patterns with {@code .dockerignore} semantics, include patterns, or a list of paths
 * to follow), with the attributes BuildKit compares to decide which files it already has: mode, size and the
 * modification time in nanoseconds. Owners are reported as 0, like the docker CLI does for a build context.
 * Symbolic links are sent as links. As the docker CLI's file sync does, a named pipe is sent as a pipe (the daemon
 * decides what to make of it: Docker 20.10 leaves it out, 26.1 keeps it) and a socket as an empty regular file with
 * the socket's permissions; neither is ever opened (a pipe would block). Devices are skipped.
 */
public final class SyncedDirectory {

    /**
     * One entry to send. {@code fileKey} says which file was walked (its device and inode), so that its content is
     * read from that file and no other, through {@code files}.
     */
    public record Entry(String path, Path file, int goMode, long size, long mtimeNanos, String linkname,
            boolean regular, Object fileKey, ContextFiles files) {

        /**
         * Opens the walked regular file's content from the directory it was walked in, without following a
         * symbolic link on the way, and only if it is still the file that was walked: a file replaced after the
         * walk, or a directory on its way replaced by a link to one outside the context, is refused rather than
         * read ({@link ContextException}). A socket, sent as an empty file, has no content and is not opened
         * ({@code files} is null).
         */
        public InputStream openContent() throws IOException {
            if (files == null) {
                return InputStream.nullInputStream();
            }
            return Channels.newInputStream(files.open(file, fileKey));
        }
    }

    /** Receives each entry, in order. */
    @FunctionalInterface
    public interface Visitor {
        void visit(Entry entry) throws IOException;
    }

    /** What the daemon asked for; empty lists mean no restriction. */
    public record Filter(List<String> includePatterns, List<String> excludePatterns, List<String> followPaths) {
        public Filter {
            includePatterns = List.copyOf(includePatterns);
            excludePatterns = List.copyOf(excludePatterns);
            followPaths = List.copyOf(followPaths);
        }
    }

    // os.FileMode bits (Go): the type bits sit above the permission bits
    static final int GO_DIR = 1 << 31;
    static final int GO_SYMLINK = 1 << 27;
    static final int GO_NAMED_PIPE = 1 << 25;
    static final int GO_SETUID = 1 << 23;
    static final int GO_SETGID = 1 << 22;
    static final int GO_STICKY = 1 << 20;

    private static final int S_IFMT = ContextWalker.S_IFMT;
    private static final int S_IFDIR = ContextWalker.S_IFDIR;
    private static final int S_IFREG = ContextWalker.S_IFREG;
    private static final int S_IFLNK = ContextWalker.S_IFLNK;
    private static final int S_IFIFO = ContextWalker.S_IFIFO;
    private static final int S_IFSOCK = ContextWalker.S_IFSOCK;

    private final Path root;
    private final DockerIgnore guard;
    private final Set<String> onlyNames;

    private SyncedDirectory(Path root, DockerIgnore guard, Set<String> onlyNames) {
        this.root = root;
        this.guard = guard;
        this.onlyNames = onlyNames;
    }

    /** The directory, resolved to its real path, with nothing held back beyond what the daemon's filter says. */
    public static SyncedDirectory of(Path dir) throws IOException {
        return new SyncedDirectory(dir.toRealPath(), DockerIgnore.none(), null);
    }

    /**
     * A build context: whatever the daemon asks for, what the context's own {@code .dockerignore} excludes is never
     * sent (a custom frontend cannot read excluded files), except the {@code .dockerignore} itself and the
     * Dockerfile when it is inside the context, which the docker CLI always sends.
     *
     * @param context the context as opened for the build: its directory and {@code .dockerignore} are used as read
     */
    public static SyncedDirectory context(BuildContext context) throws ContextException {
        return new SyncedDirectory(context.directory(), context.cliIgnore(), null);
    }

    /**
     * The directory of a Dockerfile, offering that file and its {@code NAME.dockerignore} only (the Dockerfile
     * frontend asks for nothing else there; the rest of the directory may be anything), and, when the Dockerfile is
     * a link, what it leads to inside the directory.
     */
    public static SyncedDirectory dockerfileDirectory(Path dockerfile) throws IOException {
        Path df = dockerfile.toAbsolutePath().normalize();
        String name = FileNames.name(df);
        Path dir = df.getParent().toRealPath();
        Set<String> names = new HashSet<>(Set.of(name, name + BuildContext.DOCKERIGNORE));
        // a Dockerfile that is a link: BuildKit follows it, within the directory, and reads what it leads to
        Path hop = dir.resolve(name);
        for (int i = 0; i < 40 && Files.isSymbolicLink(hop); i++) {
            hop = hop.getParent().resolve(Files.readSymbolicLink(hop)).normalize();
            if (!hop.startsWith(dir) || hop.equals(dir)) {
                break;
            }
            for (Path p = hop; !p.equals(dir); p = p.getParent()) {
                names.add(ContextWalker.relativeSlashPath(dir, p));
            }
        }
        return new SyncedDirectory(dir, DockerIgnore.none(), Set.copyOf(names));
    }

    public Path root() {
        return root;
    }

    /**
     * Walks the directory as the filter allows, with a reader of the files' contents of its own, which keeps the
     * directories of the last file read open until it is collected; a session uses {@link #walk(Filter,
     * ContextFiles, Visitor)} and closes the reader.
     */
    public void walk(Filter filter, Visitor visitor) throws IOException {
        walk(filter, files(), visitor);
    }

    /**
     * Walks the directory as the filter allows; the entries read their contents through {@code files} (from
     * {@link #files()}), which the caller closes when no more content will be read.
     */
    public void walk(Filter filter, ContextFiles files, Visitor visitor) throws IOException {
        try (DirectoryHandle top = DirectoryHandle.open(root)) {
            new Walk(filter, files, visitor).directory(top, null, false);
        }
    }

    /** A reader of this directory's walked files, for {@link #walk(Filter, ContextFiles, Visitor)}. */
    public ContextFiles files() {
        return new ContextFiles(root);
    }

    /** Go's os.FileMode for a POSIX mode. */
    static int goMode(int posixMode) {
        int m = posixMode & 0777;
        switch (posixMode & S_IFMT) {
            case S_IFDIR -> m |= GO_DIR;
            case S_IFLNK -> m |= GO_SYMLINK;
            case S_IFIFO -> m |= GO_NAMED_PIPE;
            default -> { } // a socket is sent as a regular file: the CLI clears Go's socket bit
        }
        if ((posixMode & 04000) != 0) {
            m |= GO_SETUID;
        }
        if ((posixMode & 02000) != 0) {
            m |= GO_SETGID;
        }
        if ((posixMode & 01000) != 0) {
            m |= GO_STICKY;
        }
        return m;
    }

    private final class Walk {
        private final DockerIgnore excludes;
        private final List<String[]> includes = new ArrayList<>();
        private final DockerIgnore includeMatcher;
        /** The daemon named paths to follow: only those are sent, even when none of them exists. */
        private final boolean following;
        private final Set<String> follow = new HashSet<>();
        private final Set<String> followAncestors = new HashSet<>();
        private final Map<ContextEntry.Inode, String> seen = new HashMap<>();
        /** Excluded directories being walked for what '!' patterns re-include: sent before their first child. */
        private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
        private final Visitor visitor;
        private final ContextFiles files;

        Walk(Filter filter, ContextFiles files, Visitor visitor) throws IOException {
            this.visitor = visitor;
            this.files = files;
            this.following = !filter.followPaths().isEmpty();
            this.excludes = filter.excludePatterns().isEmpty() ? DockerIgnore.none()
                    : DockerIgnore.parse(String.join("\n", filter.excludePatterns()));
            for (String p : filter.includePatterns()) {
                String clean = p.startsWith("/") ? p.substring(1) : p;
                if (!clean.isEmpty()) {
                    includes.add(clean.split("/"));
                }
            }
            this.includeMatcher = includes.isEmpty() ? null
                    : DockerIgnore.parse(String.join("\n", filter.includePatterns()));
            for (String p : filter.followPaths()) {
                addFollowed(p, 0, false);
            }
        }

        /**
         * A followed path, its ancestors, and (for a link inside the directory) what it points to. BuildKit sends
         * the sources of {@code COPY *.txt} as followed paths with their wildcards (matched per path element, as
         * Go's {@code filepath.Match}): such a path stands for every entry that matches it now ({@code matched}: this
         * path came from such a match, and is followed only if it exists).
         */
        private void addFollowed(String path, int depth, boolean matched) throws IOException {
            String normal = normalize(path);
            if (normal.isEmpty()) {
                return;
            }
            String[] elements = normal.split("/");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < elements.length; i++) {
                Glob glob;
                try {
                    glob = IgnorePattern.element(elements[i]);
                } catch (IllegalArgumentException malformed) {
                    return; // filepath.Match matches nothing with a malformed pattern
                }
                if (glob == null) {
                    names.add(IgnorePattern.unescape(elements[i]));
                    continue;
                }
                String parent = String.join("/", names);
                String rest = String.join("/", java.util.Arrays.asList(elements).subList(i + 1, elements.length));
                Path dir = resolve(parent);
                // only a directory inside this one is listed (a link on the way could lead elsewhere)
                if (depth < 40 && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        && dir.toRealPath().startsWith(root)) {
                    String prefix = names.stream().map(IgnorePattern::escape).map(n -> n + "/")
                            .collect(java.util.stream.Collectors.joining());
                    for (ContextWalker.Child child : ContextWalker.sortedChildren(dir)) {
                        String name = child.name();
                        if (glob.matches(name)) {
                            String found = prefix + IgnorePattern.escape(name);
                            addFollowed(rest.isEmpty() ? found : found + "/" + rest, depth + 1, true);
                        }
                    }
                }
                return;
            }
            String clean = String.join("/", names);
            if (follow.contains(clean)) {
                return;
            }
            Path onDisk = resolve(clean);
            if (matched && !Files.exists(onDisk, LinkOption.NOFOLLOW_LINKS)) {
                return; // "*/in" where a directory has no "in"
            }
            follow.add(clean);
            for (int slash = clean.indexOf('/'); slash >= 0; slash = clean.indexOf('/', slash + 1)) {
                followAncestors.add(clean.substring(0, slash));
            }
            if (depth < 40 && Files.isSymbolicLink(onDisk)) {
                Path target = onDisk.getParent().resolve(Files.readSymbolicLink(onDisk)).normalize();
                if (target.startsWith(root) && !target.equals(root)) {
                    // the target is a name, not a pattern
                    List<String> targetNames = new ArrayList<>();
                    for (Path element : root.relativize(target)) {
                        targetNames.add(IgnorePattern.escape(FileNames.name(element)));
                    }
                    String escaped = String.join("/", targetNames);
                    addFollowed(escaped, depth + 1, false);
                }
            }
        }

        /** {@code followed}: {@code dir} is (inside) a followed directory, which comes with everything in it. */
        void directory(DirectoryHandle dir, DockerIgnore.Match dirMatch, boolean followed) throws IOException {
            String dirName = dir.path().equals(root) ? null : ContextWalker.relativeSlashPath(root, dir.path());
            for (ContextWalker.Child child : dir.children()) {
                Path path = child.path();
                String name = dirName == null ? child.name() : dirName + "/" + child.name();
                Map<String, Object> attributes = dir.attributes(child);
                if (attributes == null) {
                    continue; // deleted since the directory was listed
                }
                int mode = (Integer) attributes.get("mode");
                int format = mode & S_IFMT;
                boolean isDir = format == S_IFDIR;
                if (format != S_IFDIR && format != S_IFREG && format != S_IFLNK && format != S_IFIFO
                        && format != S_IFSOCK) {
                    continue; // a device
                }
                if (onlyNames != null && !onlyNames.contains(name)) {
                    continue; // not offered at all
                }
                boolean guarded = guard.excludes(name);
                if (guarded && !(isDir && guard.mayReincludeBelow(name))) {
                    continue; // the context's .dockerignore holds it back, whatever the daemon asked
                }
                if (following && !followed) {
                    if (follow.contains(name)) {
                        send(dir, child, name, mode, attributes);
                        if (isDir) {
                            descend(dir, child, attributes, null, true); // with everything in it
                        }
                    } else if (isDir && followAncestors.contains(name)) {
                        send(dir, child, name, mode, attributes);
                        descend(dir, child, attributes, null, false);
                    }
                    continue;
                }
                DockerIgnore.Match match = excludes.match(name, dirMatch);
                if (match.excluded() || guarded) {
                    if (isDir && (!match.excluded() || excludes.mayReincludeBelow(name))
                            && (!guarded || guard.mayReincludeBelow(name))) {
                        // BuildKit wants every parent of an entry before it: this one goes first if needed
                        Pending p = new Pending(name, path, mode, attributes);
                        pending.addLast(p);
                        try {
                            descend(dir, child, attributes, match, followed);
                        } finally {
                            pending.removeLast();
                        }
                    }
                    continue;
                }
                if (includeMatcher != null && !includeMatcher.excludes(name)) {
                    if (isDir && mayContainIncluded(name)) {
                        // sent as the parent of what the patterns include
                        send(dir, child, name, mode, attributes);
                        descend(dir, child, attributes, match, followed);
                    }
                    continue;
                }
                send(dir, child, name, mode, attributes);
                if (isDir) {
                    descend(dir, child, attributes, match, followed);
                }
            }
        }

        /** Walks a child directory through its own descriptor, if it is still the one whose attributes were read. */
        private void descend(DirectoryHandle dir, ContextWalker.Child child, Map<String, Object> attributes,
                DockerIgnore.Match match, boolean followed) throws IOException {
            DirectoryHandle sub = dir.openListedDirectory(child.path().getFileName(), attributes.get("fileKey"));
            if (sub == null) {
                return;
            }
            try (sub) {
                directory(sub, match, followed);
            }
        }

        private boolean mayContainIncluded(String dirName) {
            String[] parts = dirName.split("/");
            for (String[] pattern : includes) {
                if (pattern.length <= parts.length) {
                    continue;
                }
                boolean prefix = true;
                for (int i = 0; i < parts.length && prefix; i++) {
                    if (pattern[i].equals("**")) {
                        return true;
                    }
                    prefix = elementMatches(pattern[i], parts[i]);
                }
                if (prefix) {
                    return true;
                }
            }
            return false;
        }

        /**
         * One element of an include pattern against one name, as Go's {@code filepath.Match} does, on the name's
         * bytes (a JDK glob would parse the name as a path in the JVM's file-name encoding, and read {@code {a,b}}).
         */
        private static boolean elementMatches(String pattern, String name) {
            try {
                Glob glob = IgnorePattern.element(pattern);
                return glob == null ? IgnorePattern.unescape(pattern).equals(name) : glob.matches(name);
            } catch (IllegalArgumentException notAGlob) {
                return true; // cannot tell: walk it, the include patterns still decide what is sent
            }
        }

        private void send(DirectoryHandle dir, ContextWalker.Child child, String name, int mode,
                Map<String, Object> attributes) throws IOException {
            String linkTarget = "";
            if ((mode & S_IFMT) == S_IFLNK && (linkTarget = ContextWalker.linkTarget(dir, child)) == null) {
                return; // deleted since it was listed
            }
            for (Pending p : pending) {
                if (!p.sent) {
                    p.sent = true;
                    sendOne(p.name, p.path, p.mode, p.attributes, "");
                }
            }
            sendOne(name, child.path(), mode, attributes, linkTarget);
        }

        private void sendOne(String name, Path path, int mode, Map<String, Object> attributes, String linkTarget)
                throws IOException {
            int format = mode & S_IFMT;
            long size = format == S_IFREG ? (Long) attributes.get("size") : 0L;
            long mtime = ((FileTime) attributes.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
            String linkname = linkTarget;
            if (format == S_IFREG && (Integer) attributes.get("nlink") > 1) {
                ContextEntry.Inode inode = new ContextEntry.Inode((Long) attributes.get("dev"),
                        (Long) attributes.get("ino"));
                String first = seen.putIfAbsent(inode, name);
                if (first != null) {
                    linkname = first; // a hard link to a file already sent
                    size = 0;
                }
            }
            boolean socket = format == S_IFSOCK; // an empty regular file to the daemon, which may ask for it
            visitor.visit(new Entry(name, path, goMode(mode), size, mtime, linkname, format == S_IFREG || socket,
                    attributes.get("fileKey"), socket ? null : files));
        }
    }

    /** A relative slash path of lossless names without {@code .}, {@code ..} or empty elements ("" for the root). */
    static String normalize(String slashPath) {
        java.util.ArrayDeque<String> names = new java.util.ArrayDeque<>();
        for (String element : slashPath.split("/")) {
            if (element.equals("..")) {
                names.pollLast();
            } else if (!element.isEmpty() && !element.equals(".")) {
                names.addLast(element);
            }
        }
        return String.join("/", names);
    }

    /** The path of a normalized relative slash path under the root, each element with its exact bytes. */
    private Path resolve(String normalized) {
        return normalized.isEmpty() ? root : root.resolve(FileNames.path(normalized));
    }

    private static final class Pending {
        final String name;
        final Path path;
        final int mode;
        final Map<String, Object> attributes;
        boolean sent;

        Pending(String name, Path path, int mode, Map<String, Object> attributes) {
            this.name = name;
            this.path = path;
            this.mode = mode;
            this.attributes = attributes;
        }
    }

}
