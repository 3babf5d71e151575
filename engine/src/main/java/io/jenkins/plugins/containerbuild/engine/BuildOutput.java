package io.jenkins.plugins.containerbuild.engine;

import java.nio.file.Path;

/**
 * Where BuildKit exports the build's result files instead of (or besides) an image: a local directory, written
 * only inside itself, or a tar file.
 */
public sealed interface BuildOutput {

    /** The result's files, written into {@code directory} (created when missing); links stay links. */
    record Local(Path directory) implements BuildOutput {
        public Local {
            if (directory == null) {
                throw new IllegalArgumentException("Local output needs a destination directory.");
            }
        }
    }

    /** The result's files as one tar archive at {@code file}. */
    record Tar(Path file) implements BuildOutput {
        public Tar {
            if (file == null) {
                throw new IllegalArgumentException("Tar output needs a destination file.");
            }
        }
    }
}
