package io.jenkins.plugins.containerbuild.engine.context;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the walked files of a context for their content, after the walk: from the root's descriptor, one directory
 * at a time without following a link, and only the file the walk saw (see {@link DirectoryHandle}). Both ways of
 * sending a context read through it: the classic builder's tar, whose files are read behind the walk on another
 * thread, and BuildKit's file sync, which asks for files by id once their stats are sent.
 * <p>
 * The directories of the last file opened stay open, so that files read in walk order cost one open each; at most
 * the directories of one path (two descriptors each) are held. Close it when no more content will be read: it can be
 * used again afterwards, and then opens the root anew.
 */
public final class ContextFiles implements Closeable {

    private final Path root;
    /** The open directories from the root down: {@code chain.get(i + 1)} is {@code names.get(i)} in the one before. */
    private final List<DirectoryHandle> chain = new ArrayList<>();
    private final List<Path> names = new ArrayList<>();

    /** @param root the context's real path, as the walk started from it */
    ContextFiles(Path root) {
        this.root = root;
    }

    /**
     * Opens a regular file found by a walk of this root.
     *
     * @param file its path as the walk made it (the root, then one element per directory)
     * @param fileKey the file key the walk read
     * @throws java.nio.file.NoSuchFileException when it or a directory on its way is gone
     * @throws ContextException when a directory on the way became a link or another file took its place
     */
    synchronized SeekableByteChannel open(Path file, Object fileKey) throws IOException {
        if (fileKey == null) {
            throw new IllegalArgumentException("No file key for " + file + ": only files found by a walk are read");
        }
        Path relative = root.relativize(file);
        int directories = relative.getNameCount() - 1;
        if (!file.startsWith(root) || directories < 0) {
            throw new IllegalArgumentException(file + " is not under " + root);
        }
        if (chain.isEmpty()) {
            chain.add(DirectoryHandle.open(root));
        }
        int common = 0;
        while (common < directories && common < names.size() && names.get(common).equals(relative.getName(common))) {
            common++;
        }
        while (names.size() > common) {
            names.remove(names.size() - 1);
            chain.remove(chain.size() - 1).close();
        }
        for (int i = common; i < directories; i++) {
            DirectoryHandle next = chain.get(chain.size() - 1).openDirectory(relative.getName(i), null);
            chain.add(next);
            names.add(relative.getName(i));
        }
        return chain.get(chain.size() - 1).openFile(relative.getName(directories), fileKey);
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            try {
                chain.get(i).close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        chain.clear();
        names.clear();
        if (first != null) {
            throw first;
        }
    }
}
