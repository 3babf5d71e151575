package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A directory to send to the daemon as the build context of {@code docker build}: a tar produced while it is sent,
 * with the {@code .dockerignore} of the directory applied like the docker CLI applies it (for BuildKit, a
 * {@code <Dockerfile>.dockerignore} beside the Dockerfile instead, when there is one). The Dockerfile and the
 * {@code .dockerignore} are always sent; a Dockerfile from outside the context is added at the root of the tar under a
 * generated name (and added to the {@code .dockerignore} so that the daemon leaves it out of the build), exactly as the
 * docker CLI does.
 * <p>
 * That is the tar of the classic builder ({@link #of}), which applies the {@code .dockerignore} it receives to the
 * Dockerfile and to itself. BuildKit applies no {@code .dockerignore} to an uploaded tar, so {@link #forBuildKit}
 * makes the tar the docker CLI's BuildKit session would let the build see: the {@code .dockerignore} is an ordinary
 * file of the context (left out when it excludes itself, never rewritten). BuildKit reads the Dockerfile from the tar,
 * so it is still sent when ignored, or under the generated name when it lies outside the context: unlike with the
 * docker CLI, which sends it apart, {@code COPY .} then copies it too.
 */
public final class BuildContext {

    static final String DOCKERIGNORE = ".dockerignore";
    private static final String THREAD_NAME = "build-context-tar";

    private final Path root;
    private final Path namedDockerfile;
    private final Path dockerfile;
    private final String dockerfileName;
    private final boolean dockerfileOutside;
    private final Path dockerignoreFile; // the context's .dockerignore, or BuildKit's <Dockerfile>.dockerignore
    private final byte[] dockerignoreContents; // null when there is none
    private final boolean rewriteDockerignore; // classic builder with an outside Dockerfile
    private final DockerIgnore ignore;
    private final CliTarHeaders tarHeaders;
    private final AtomicLong entriesSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();

    private BuildContext(Path root, Path namedDockerfile, Path dockerfile, String dockerfileName,
            boolean dockerfileOutside, Path dockerignoreFile, byte[] dockerignoreContents, boolean rewriteDockerignore,
            DockerIgnore ignore, CliTarHeaders tarHeaders) {
        this.root = root;
        this.namedDockerfile = namedDockerfile;
        this.dockerfile = dockerfile;
        this.dockerignoreFile = dockerignoreFile;
        this.dockerfileName = dockerfileName;
        this.dockerfileOutside = dockerfileOutside;
        this.dockerignoreContents = dockerignoreContents;
        this.rewriteDockerignore = rewriteDockerignore;
        this.ignore = ignore;
        this.tarHeaders = tarHeaders;
    }

    /**
     * This context sent with the owner names and mode bits that the docker CLI of the daemon's release puts in a
     * classic build's tar (the default is {@link CliTarHeaders#PERMISSIONS_ONLY}), so that the classic builder's
     * cache is shared with {@code docker build}.
     */
    public BuildContext withTarHeaders(CliTarHeaders headers) {
        return new BuildContext(root, namedDockerfile, dockerfile, dockerfileName, dockerfileOutside,
                dockerignoreFile, dockerignoreContents, rewriteDockerignore, ignore, headers);
    }

    /**
     * The context for the classic builder: validates the context directory and the Dockerfile and reads the
     * {@code .dockerignore}.
     *
     * @param contextDir the build context directory (a symbolic link to one is resolved)
     * @param dockerfile the Dockerfile, inside or outside the context; a relative path is resolved against the current
     *     directory, like {@code docker build --file}
     * @throws ContextException if the directory or the Dockerfile is missing or of the wrong kind, the Dockerfile
     *     named inside the context is a link out of it or has no build stage, or the {@code .dockerignore} cannot be
     *     read or has an invalid pattern
     */
    public static BuildContext of(Path contextDir, Path dockerfile) throws IOException {
        return of(contextDir, dockerfile, false, DEFAULT_OPTION);
    }

    /** As {@link #of(Path, Path)}; errors name the Dockerfile's option as {@code dockerfileOption}. */
    public static BuildContext of(Path contextDir, Path dockerfile, String dockerfileOption) throws IOException {
        return of(contextDir, dockerfile, false, dockerfileOption);
    }

    /**
     * The context for BuildKit, which sees exactly the files of the tar: like {@link #of}, but the
     * {@code .dockerignore} is sent only when it does not exclude itself, and as it is; and a
     * {@code <Dockerfile>.dockerignore} beside the Dockerfile is applied instead of the context's, as BuildKit does.
     *
     * @throws ContextException as {@link #of}
     */
    public static BuildContext forBuildKit(Path contextDir, Path dockerfile) throws IOException {
        return of(contextDir, dockerfile, true, DEFAULT_OPTION);
    }

    /** As {@link #forBuildKit(Path, Path)}; errors name the Dockerfile's option as {@code dockerfileOption}. */
    public static BuildContext forBuildKit(Path contextDir, Path dockerfile, String dockerfileOption)
            throws IOException {
        return of(contextDir, dockerfile, true, dockerfileOption);
    }

    private static final String DEFAULT_OPTION = "--file";

    private static BuildContext of(Path contextDir, Path givenDockerfile, boolean forBuildKit, String option)
            throws IOException {
        if (!Files.exists(contextDir)) {
            throw new ContextException("Build context directory " + contextDir.toAbsolutePath()
                    + " does not exist: pass an existing directory as the context.");
        }
        if (!Files.isDirectory(contextDir)) {
            throw new ContextException("Build context " + contextDir.toAbsolutePath()
                    + " is not a directory: pass a directory as the context.");
        }
        Path root = contextDir.toRealPath();
        Path dockerfile = locate(givenDockerfile).toAbsolutePath().normalize();
        if (!Files.exists(dockerfile)) {
            throw new ContextException("Dockerfile " + dockerfile
                    + " not found: create it or pass its path with " + option + ".");
        }
        if (!Files.isRegularFile(dockerfile)) {
            throw new ContextException("Dockerfile " + dockerfile
                    + " is not a regular file: name the Dockerfile itself with " + option + ".");
        }
        Path realDockerfile = dockerfile.toRealPath();
        boolean outside = !realDockerfile.startsWith(root);
        boolean namedInside = namedInside(dockerfile, contextDir, root);
        if (outside && namedInside) {
            throw new ContextException("Dockerfile " + dockerfile + " is a symbolic link that leads out of the build"
                    + " context: make it a regular file inside the context (or a link to one), or name a Dockerfile"
                    + " outside the context with " + option + ".");
        }
        if (!mayHaveStage(dockerfile, realDockerfile, !forBuildKit)) {
            throw new ContextException("Dockerfile " + dockerfile + " has no build stage: it has no FROM"
                    + " instruction, and no builder can build it (Docker 20.10's BuildKit even crashes on it). Begin"
                    + " its stage with a FROM line (FROM scratch for an empty image).");
        }
        String name = outside
                ? ".dockerfile." + randomHex()
                : ContextWalker.relativeSlashPath(root, realDockerfile);

        // BuildKit reads <Dockerfile>.dockerignore instead of the context's .dockerignore when there is one; the
        // docker CLI's classic builder only ever reads the context's
        Path perDockerfile = dockerfile.resolveSibling(dockerfile.getFileName() + DOCKERIGNORE);
        boolean ownIgnore = forBuildKit && Files.exists(perDockerfile, LinkOption.NOFOLLOW_LINKS);
        Path ignoreFile = ownIgnore ? perDockerfile : root.resolve(DOCKERIGNORE);
        byte[] dockerignore = readDockerignore(ignoreFile,
                ownIgnore && !namedInside ? dockerfile.getParent().toRealPath() : root);
        DockerIgnore ignore = parseDockerignore(ignoreFile, dockerignore);
        if (forBuildKit) {
            // the daemon must read the Dockerfile from the tar; the .dockerignore means nothing to it
            ignore = outside ? ignore : ignore.alwaysIncluding(name);
        } else {
            ignore = asTheCliSends(ignore, outside, name);
        }
        return new BuildContext(root, dockerfile, realDockerfile, name, outside, ignoreFile, dockerignore,
                outside && !forBuildKit, ignore, CliTarHeaders.PERMISSIONS_ONLY);
    }

    private static boolean mayHaveStage(Path named, Path real, boolean builtinFrontendOnly) throws ContextException {
        try {
            return DockerfileStages.mayHaveStage(real, builtinFrontendOnly);
        } catch (IOException e) {
            throw new ContextException("Dockerfile " + named + " cannot be read (" + e.getMessage() + "): make it"
                    + " readable by the user running the build.", e);
        }
    }

    /**
     * The Dockerfile to read: the one given, or, when a file named {@code Dockerfile} does not exist, a
     * {@code dockerfile} beside it, as the docker CLI and BuildKit fall back to the lower-case name.
     */
    public static Path locate(Path dockerfile) {
        Path name = dockerfile.getFileName();
        if (name == null || !name.toString().equals("Dockerfile")
                || Files.exists(dockerfile, LinkOption.NOFOLLOW_LINKS)) {
            return dockerfile;
        }
        Path lower = dockerfile.resolveSibling("dockerfile");
        return Files.exists(lower, LinkOption.NOFOLLOW_LINKS) ? lower : dockerfile;
    }

    /**
     * Whether the Dockerfile is named as a file of the context: its path lies under the context as given, or its
     * directory is (after links) a directory of the context. Such a file that is a link out of the context is
     * refused: the default {@code Dockerfile} of a context must not bring in a file from elsewhere.
     */
    private static boolean namedInside(Path dockerfile, Path contextDir, Path root) throws IOException {
        if (dockerfile.startsWith(contextDir.toAbsolutePath().normalize())) {
            return true;
        }
        Path parent = dockerfile.getParent();
        return parent != null && parent.toRealPath().startsWith(root);
    }

    /**
     * This context's {@code .dockerignore} as the docker CLI applies it, from what was read when the context was
     * opened: the {@code .dockerignore} itself and a Dockerfile inside the context are always sent.
     */
    DockerIgnore cliIgnore() throws ContextException {
        return asTheCliSends(parseDockerignore(dockerignoreFile, dockerignoreContents), dockerfileOutside,
                dockerfileName);
    }

    private static DockerIgnore asTheCliSends(DockerIgnore ignore, boolean outside, String dockerfileName) {
        return outside ? ignore.alwaysIncluding(DOCKERIGNORE) : ignore.alwaysIncluding(DOCKERIGNORE, dockerfileName);
    }

    private static DockerIgnore parseDockerignore(Path file, byte[] dockerignore) throws ContextException {
        if (dockerignore == null) {
            return DockerIgnore.none();
        }
        try {
            // decoded as file names are (FileNames), so that a line matches the bytes of the name it writes
            return DockerIgnore.parse(FileNames.decode(dockerignore));
        } catch (IllegalArgumentException e) {
            throw new ContextException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The ignore file's bytes, or null when there is none. A symbolic link is followed, as the docker CLI reads its
     * patterns, only to a file inside {@code root} (the context, which is sent anyway, or the directory of a
     * Dockerfile outside the context); one that leads out is refused, so no byte from elsewhere can reach the daemon
     * as the {@code .dockerignore} or show in an error. A link to nothing is no ignore file, as for the CLI. The link
     * itself is sent as a link.
     */
    private static byte[] readDockerignore(Path file, Path root) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (Files.isSymbolicLink(file)) {
            Path target;
            try {
                target = file.toRealPath();
            } catch (NoSuchFileException e) {
                return null;
            }
            if (!target.startsWith(root)) {
                throw new ContextException(file + " is a symbolic link that leads out of the build context: make it a"
                        + " regular file " + (file.getParent().toRealPath().startsWith(root) ? "inside the context"
                        : "in " + root) + ".");
            }
            file = target;
        }
        if (!Files.isRegularFile(file)) {
            throw new ContextException(file + " is not a regular file: make it a file of patterns or remove it.");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ContextException("Cannot read " + file + ": make it readable.", e);
        }
    }

    private static String randomHex() {
        byte[] bytes = new byte[10];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * The name to give the daemon as the {@code dockerfile} parameter: the Dockerfile's relative slash path inside the
     * context, or the generated {@code .dockerfile.<random hex>} name under which a Dockerfile from outside the context
     * is added at the root of the tar.
     */
    public String dockerfileName() {
        return dockerfileName;
    }

    /**
     * The Dockerfile as named (absolute, after the fallback to {@code dockerfile}), not resolved: a BuildKit session
     * offers it from its own directory under this name, as the docker CLI does.
     */
    public Path namedDockerfile() {
        return namedDockerfile;
    }

    /** The Dockerfile itself, with symbolic links resolved. */
    public Path realDockerfile() {
        return dockerfile;
    }

    /** The context directory, with symbolic links resolved. */
    public Path directory() {
        return root;
    }

    /** The {@code .dockerignore} in effect, including the exceptions added for the Dockerfile and itself. */
    public DockerIgnore dockerIgnore() {
        return ignore;
    }

    /**
     * Writes the whole tar to {@code out}, file by file, without closing it. On failure the tar is left unfinished
     * (no end-of-archive records), so that it cannot be mistaken for a complete context.
     */
    public void writeTo(OutputStream out) throws IOException {
        try (ContextFiles files = new ContextFiles(root)) {
            writeTo(out, files);
        }
    }

    /** Writes the tar, reading the walked files through {@code files}: only the files the walk saw are sent. */
    private void writeTo(OutputStream out, ContextFiles files) throws IOException {
        entriesSent.set(0);
        bytesSent.set(0);
        ContextTarWriter tar = new ContextTarWriter(out, files, tarHeaders, entriesSent, bytesSent);
        AtomicBoolean dockerignoreSent = new AtomicBoolean();
        long now = Instant.now().getEpochSecond();
        WalkAhead.walk(new ContextWalker(root, ignore)::walk, entry -> {
            if (rewriteDockerignore && entry.name().equals(DOCKERIGNORE)) {
                tar.addBytes(entry, dockerignoreListingDockerfile()); // the CLI keeps the file's header
                dockerignoreSent.set(true);
            } else {
                tar.add(entry);
            }
        });
        if (rewriteDockerignore && !dockerignoreSent.get()) {
            tar.addBytes(DOCKERIGNORE, dockerignoreListingDockerfile(), 0600, now);
        }
        if (dockerfileOutside) {
            try {
                tar.addFileAs(dockerfileName, dockerfile, 0600, now);
            } catch (NoSuchFileException e) {
                throw new ContextException("Dockerfile " + dockerfile
                        + " disappeared while the build context was being sent: make sure it exists.", e);
            }
        }
        tar.close();
    }

    /** What the docker CLI sends as .dockerignore with an outside Dockerfile: the file plus the generated name. */
    private byte[] dockerignoreListingDockerfile() {
        String original = dockerignoreContents == null ? DOCKERIGNORE : FileNames.decode(dockerignoreContents);
        return FileNames.encode(original + "\n" + dockerfileName + "\n"); // the original's bytes, as they were
    }

    /**
     * The tar as an {@link InputStream} (for an HTTP request body), produced by a thread named
     * {@code build-context-tar-N} through a 64 KiB buffer while it is read. A failure to produce it is rethrown by
     * {@code read}; closing the stream early stops the thread. Always close the stream.
     */
    public InputStream openStream() {
        return TarPipe.start(THREAD_NAME, this::writeTo);
    }

    /** Tar entries written so far by the current (or last) {@link #writeTo} or stream; safe from any thread. */
    public long entriesSent() {
        return entriesSent.get();
    }

    /** Tar bytes written so far by the current (or last) {@link #writeTo} or stream; safe from any thread. */
    public long bytesSent() {
        return bytesSent.get();
    }
}
