package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * {@code --context -}: the build context from standard input, as {@code docker build -} takes it: a tar (plain, gzip
 * or bzip2), or else a lone Dockerfile, which makes a context holding only that Dockerfile. The engine builds from a
 * directory, so the tar is unpacked into a private temporary directory (0700) for the length of the build; closing
 * removes it.
 * <p>
 * The unpacking writes nothing outside that directory: a name that is absolute or climbs out with {@code ..}, a name
 * that goes through a symbolic link (one an earlier entry made), and a hard link to anything but a file already
 * unpacked are refused; links are made as links, never followed. Devices and pipes are skipped.
 */
final class StdinContext implements AutoCloseable {

    /** The value of {@code --context} that means standard input. */
    static final String STDIN = "-";

    private final Path dir;
    private final Path context;

    private StdinContext(Path dir) {
        this.dir = dir;
        this.context = dir.resolve("context");
    }

    /** Reads the whole of {@code stdin} into a new private temporary context directory. */
    static StdinContext read(InputStream stdin, Options o) throws UsageException {
        StdinContext made = new StdinContext(privateDirectory("--context -", "the context", o));
        try {
            Files.createDirectory(made.context);
            BufferedInputStream in = new BufferedInputStream(stdin, 64 * 1024);
            in.mark(512);
            byte[] head = in.readNBytes(512);
            in.reset();
            if (startsWith(head, 0x1f, 0x8b)) {
                made.unpack(new GzipCompressorInputStream(in, true), o);
            } else if (startsWith(head, 'B', 'Z', 'h')) {
                made.unpack(new BZip2CompressorInputStream(in, true), o);
            } else if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0)) {
                throw new UsageException("--context - got an xz-compressed tar, which this CLI cannot read: send it"
                        + " as a plain, gzip or bzip2 tar.", o.command);
            } else if (isTar(head)) {
                made.unpack(in, o);
            } else {
                if (o.file != null) {
                    throw new UsageException("--context - got a Dockerfile, not a tar: there is no context for --file"
                            + " to name a file in; drop --file, or send a tar.", o.command);
                }
                try (OutputStream out = Files.newOutputStream(made.context.resolve("Dockerfile"),
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
            }
            return made;
        } catch (IOException e) {
            made.close();
            throw new UsageException("--context - could not read the context from standard input: " + e.getMessage(),
                    o.command, e);
        } catch (UsageException | RuntimeException e) {
            made.close();
            throw e;
        }
    }

    /**
     * A new temporary directory that only this user can enter (0700), for what {@code option} read from standard
     * input ({@code what}); a usage error that says where when it cannot be made.
     */
    static Path privateDirectory(String option, String what, Options o) throws UsageException {
        try {
            return Files.createTempDirectory("containerbuild-stdin-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UsageException(option + " could not make a temporary directory for " + what + " ("
                    + e.getMessage() + "): check that the temporary directory (java.io.tmpdir) is writable.",
                    o.command, e);
        }
    }

    /** The context directory the tar (or the Dockerfile) was unpacked into. */
    Path directory() {
        return context;
    }

    private static boolean startsWith(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** A tar header: the {@code ustar} magic of POSIX and GNU tars, with a valid header checksum. */
    private static boolean isTar(byte[] head) {
        return head.length == 512 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("ustar") && TarArchiveInputStream.matches(head, head.length);
    }

    private void unpack(InputStream raw, Options o) throws IOException, UsageException {
        TarArchiveInputStream tar = new TarArchiveInputStream(raw, java.nio.charset.StandardCharsets.UTF_8.name());
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            Path target = inside(e.getName(), o);
            if (target == null) {
                continue; // the root itself
            }
            createParents(target, o);
            if (e.isDirectory()) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(target);
                    Files.createDirectory(target);
                }
            } else if (e.isSymbolicLink()) {
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, FileNames.path(e.getLinkName()));
                continue; // a link's own mode and time mean nothing here
            } else if (e.isLink()) {
                Path source = inside(e.getLinkName(), o);
                if (source == null || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS) || throughLink(source)) {
                    throw new UsageException("--context -: the tar's hard link " + e.getName() + " points to "
                            + e.getLinkName() + ", which is not a file unpacked before it: fix the tar.", o.command);
                }
                Files.deleteIfExists(target);
                Files.createLink(target, source);
                continue;
            } else if (e.isFile()) {
                Files.deleteIfExists(target);
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    tar.transferTo(out);
                }
            } else {
                continue; // devices and pipes: nothing a build context needs
            }
            Files.setAttribute(target, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(target, FileTime.from(e.getLastModifiedTime().toInstant()));
        }
    }

    /** Where a tar name lands in the context; null for the root. Refuses names that leave it. */
    private Path inside(String name, Options o) throws UsageException {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.startsWith("/") || Arrays.asList(n.split("/")).contains("..")) {
            throw new UsageException("--context -: the tar's entry " + name + " would land outside the context:"
                    + " make every name relative, without '..'.", o.command);
        }
        Path target = context.resolve(FileNames.path(n)).normalize();
        if (!target.startsWith(context)) {
            throw new UsageException("--context -: the tar's entry " + name + " would land outside the context:"
                    + " make every name relative, without '..'.", o.command);
        }
        return target.equals(context) ? null : target;
    }

    /** Makes the missing directories above {@code target}; refuses a path through a symbolic link. */
    private void createParents(Path target, Options o) throws IOException, UsageException {
        if (throughLink(target)) {
            throw new UsageException("--context -: the tar's entry " + context.relativize(target) + " goes through a"
                    + " symbolic link the tar made: a link is unpacked as a link and never written through; fix the"
                    + " tar.", o.command);
        }
        Path parent = target.getParent();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent);
        }
    }

    /** Whether a directory between the context and {@code path} is a symbolic link (or not a directory at all). */
    private boolean throughLink(Path path) {
        for (Path p = path.getParent(); p != null && !p.equals(context); p = p.getParent()) {
            if (Files.isSymbolicLink(p)
                    || (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    Files.setAttribute(d, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS); // a 0555 one from the tar
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // a temporary directory of our own: what could not go is left to the system's clean-up
        }
    }
}
