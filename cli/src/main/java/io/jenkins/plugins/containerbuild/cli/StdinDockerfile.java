package io.jenkins.plugins.containerbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code --file -}: the Dockerfile read from standard input, as {@code docker build -f -} takes it. The engine builds
 * from files, so the text goes into a private temporary directory (0700, the file 0600) for the length of the build,
 * where it is a Dockerfile from outside the context, as the docker CLI treats it; closing removes both.
 */
final class StdinDockerfile implements AutoCloseable {

    /** The value of {@code --file} that means standard input. */
    static final String STDIN = "-";

    private final Path dir;
    private final Path file;

    private StdinDockerfile(Path dir, Path file) {
        this.dir = dir;
        this.file = file;
    }

    /** Reads the whole of {@code stdin} into a new private temporary file named {@code Dockerfile}. */
    static StdinDockerfile read(InputStream stdin, Options o) throws UsageException {
        Path dir = StdinContext.privateDirectory("--file -", "the Dockerfile", o);
        Path file = dir.resolve("Dockerfile");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newOutputStream(file)) {
                stdin.transferTo(out);
            }
            return new StdinDockerfile(dir, file);
        } catch (IOException e) {
            new StdinDockerfile(dir, file).close();
            throw new UsageException("--file - could not read the Dockerfile from standard input: " + e.getMessage(),
                    o.command, e);
        }
    }

    Path path() {
        return file;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory of our own: what could not go is left to the system's clean-up
        }
    }
}
