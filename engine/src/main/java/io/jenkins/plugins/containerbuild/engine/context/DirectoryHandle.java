package io.jenkins.plugins.containerbuild.engine.context;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A directory of the build context held open by its descriptor, so that listing it, checking a child and opening a
 * child happen relative to that descriptor ({@code openat}-style, through {@link SecureDirectoryStream}) and never
 * through a symbolic link. A process that can write the context may replace a directory by a link to a directory
 * outside while the context is sent: a walk that opened directories by path would then list, and send, the outside
 * files. Here a child directory or file is opened with no link followed, and its device and inode (the
 * {@link java.nio.file.attribute.BasicFileAttributes#fileKey() file key}) must be those the walk saw; anything else
 * fails the build with {@link #changed}, and no byte from outside the context is read.
 * <p>
 * Mode bits beyond the permissions and the link count are not available relative to a descriptor in Java, so the
 * attributes are read by path as well: they are used only when the file key read by path is the one read through
 * the descriptor, that is when the path led to the same file.
 */
final class DirectoryHandle implements Closeable {

    /** The attributes of an entry, read by path; {@code fileKey} ties them to what the descriptor sees. */
    static final String ATTRIBUTES = "unix:mode,ino,dev,nlink,uid,gid,size,lastModifiedTime,fileKey";
    private static final Set<OpenOption> READ_NOFOLLOW = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final Path path;
    private final SecureDirectoryStream<Path> handle;

    private DirectoryHandle(Path path, SecureDirectoryStream<Path> handle) {
        this.path = path;
        this.handle = handle;
    }

    /** Opens the context's root directory (already a real path: nothing above it is checked). */
    static DirectoryHandle open(Path dir) throws IOException {
        DirectoryStream<Path> stream;
        try {
            stream = Files.newDirectoryStream(dir);
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(dir, e);
        }
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            stream.close();
            throw new ContextException("This platform cannot open files relative to a directory (Java offers no"
                    + " SecureDirectoryStream here), so " + dir + " cannot be sent safely: build on Linux.");
        }
        return new DirectoryHandle(dir, secure);
    }

    Path path() {
        return path;
    }

    /** The entries, listed from the descriptor and sorted by the bytes of their names. Call once. */
    List<ContextWalker.Child> children() throws IOException {
        List<ContextWalker.Child> children = new ArrayList<>();
        try {
            for (Path entry : handle) {
                children.add(new ContextWalker.Child(FileNames.name(entry), entry));
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause() instanceof AccessDeniedException denied ? ContextWalker.unreadable(path, denied)
                    : e.getCause();
        }
        children.sort((a, b) -> FileNames.compare(a.name(), b.name()));
        return children;
    }

    /**
     * A child's {@link #ATTRIBUTES}, not following a link; null when it is gone.
     *
     * @throws ContextException when its path no longer leads to the child of this directory (a directory on the way
     *     was replaced)
     */
    Map<String, Object> attributes(ContextWalker.Child child) throws IOException {
        Map<String, Object> byPath;
        Object byDescriptor;
        try {
            byPath = Files.readAttributes(child.path(), ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            byDescriptor = fileKey(child.path().getFileName());
        } catch (NoSuchFileException vanished) {
            return null;
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(child.path(), e);
        }
        if (!byDescriptor.equals(byPath.get("fileKey"))) {
            throw changed(child.path(), null);
        }
        return byPath;
    }

    /** The file key of a child, through the descriptor, not following a link. */
    private Object fileKey(Path name) throws IOException {
        return handle.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes().fileKey();
    }

    /** {@link #openDirectory}, or null when the child was deleted since it was listed: the walk passes it by. */
    DirectoryHandle openListedDirectory(Path name, Object expectedKey) throws IOException {
        try {
            return openDirectory(name, expectedKey);
        } catch (NoSuchFileException vanished) {
            return null;
        }
    }

    /**
     * Opens a child directory without following a link.
     *
     * @param name one element
     * @param expectedKey the file key the walk saw, or null to take whatever directory is there now
     * @throws NoSuchFileException when it is gone
     * @throws ContextException when it is a link, no directory, or another directory than the one walked
     */
    DirectoryHandle openDirectory(Path name, Object expectedKey) throws IOException {
        Path child = path.resolve(name);
        SecureDirectoryStream<Path> opened;
        try {
            opened = handle.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException vanished) {
            throw vanished;
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(child, e);
        } catch (FileSystemException e) { // a link (ELOOP) or no longer a directory
            throw changed(child, e);
        }
        DirectoryHandle dir = new DirectoryHandle(child, opened);
        if (expectedKey != null) {
            try {
                Object key = opened.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
                if (!expectedKey.equals(key)) {
                    throw changed(child, null);
                }
            } catch (IOException | RuntimeException e) {
                dir.close();
                throw e;
            }
        }
        return dir;
    }

    /**
     * Opens a child regular file for reading without following a link, and only if it is the file the walk saw.
     * Java cannot read the attributes of the open channel itself, so the child's file key is read through this
     * descriptor right after opening: only a file swapped in and out again in between (by a rename or a hard link,
     * never a symbolic link, which is refused) could pass, and only from this same directory.
     *
     * @throws NoSuchFileException when it is gone
     * @throws ContextException when it is a link or another file than the one walked
     */
    SeekableByteChannel openFile(Path name, Object expectedKey) throws IOException {
        Path child = path.resolve(name);
        SeekableByteChannel channel;
        try {
            channel = handle.newByteChannel(name, READ_NOFOLLOW);
        } catch (NoSuchFileException vanished) {
            throw vanished;
        } catch (AccessDeniedException e) {
            throw ContextWalker.unreadable(child, e);
        } catch (FileSystemException e) { // a link (ELOOP)
            throw changed(child, e);
        }
        try {
            Object key;
            try {
                key = fileKey(name);
            } catch (NoSuchFileException renamed) {
                throw changed(child, renamed);
            }
            if (!key.equals(expectedKey)) {
                throw changed(child, null);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        handle.close();
    }

    /** The build fails with this when the context changes under the walk in a way that could lead out of it. */
    static ContextException changed(Path path, IOException cause) {
        return new ContextException(path + " in the build context was replaced while the context was being sent (by"
                + " another file, or a directory on its way by a symbolic link); nothing from outside the context was"
                + " sent: keep the context unchanged while it is built, then build again.", cause);
    }
}
