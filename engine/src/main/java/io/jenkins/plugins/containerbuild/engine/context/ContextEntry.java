package io.jenkins.plugins.containerbuild.engine.context;

import java.nio.file.Path;

/**
 * One file system object of the build context, as found by the walk (never following symbolic links).
 *
 * @param name the relative slash path inside the context, without a trailing slash
 * @param path where it is on disk
 * @param type what it is
 * @param mode permission bits including setuid, setgid and sticky (07777)
 * @param size the size of a regular file, 0 otherwise
 * @param mtimeSeconds the modification time, truncated to whole seconds as the docker CLI does
 * @param linkTarget the target of a symbolic link, as stored in the link; null otherwise
 * @param inode identity of a non-directory with more than one hard link; null otherwise
 * @param fileKey the device and inode the walk saw ({@link java.nio.file.attribute.BasicFileAttributes#fileKey()}):
 *     a file's content is read from that file only ({@link ContextFiles}); null for an entry made by hand
 * @param uid the owner's user id on disk (a context tar says 0 whatever it is, but the Docker 20.10 CLI's tar names
 *     the owner: {@link CliTarHeaders})
 * @param gid the owner's group id on disk
 */
record ContextEntry(String name, Path path, Type type, int mode, long size, long mtimeSeconds, String linkTarget,
        Inode inode, Object fileKey, int uid, int gid) {

    /** An entry owned by root. */
    ContextEntry(String name, Path path, Type type, int mode, long size, long mtimeSeconds, String linkTarget,
            Inode inode, Object fileKey) {
        this(name, path, type, mode, size, mtimeSeconds, linkTarget, inode, fileKey, 0, 0);
    }

    /** An entry that no walk found: it has no content to read from disk. */
    ContextEntry(String name, Path path, Type type, int mode, long size, long mtimeSeconds, String linkTarget,
            Inode inode) {
        this(name, path, type, mode, size, mtimeSeconds, linkTarget, inode, null, 0, 0);
    }

    /** What it is; a named pipe and a socket have no content that may be read (a pipe would block). */
    enum Type { DIRECTORY, FILE, SYMLINK, FIFO, SOCKET }

    /** Device and inode number: equal for two paths that are hard links to the same file. */
    record Inode(long device, long number) {}
}
