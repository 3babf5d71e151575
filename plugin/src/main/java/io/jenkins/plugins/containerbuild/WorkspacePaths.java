package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Resolves step arguments that name files against the workspace, and refuses any that lead out of it. */
final class WorkspacePaths {

    private WorkspacePaths() {}

    /**
     * {@code given} relative to {@code workspace} (or absolute), normalised; refused when it lies outside the
     * workspace, also when a symbolic link on the way leads out (for a path that does not exist yet, a link in its
     * existing part).
     */
    static Path resolve(Path workspace, String given, String what) throws IOException {
        Path root = workspace.toAbsolutePath().normalize();
        Path p;
        try {
            p = root.resolve(given).normalize();
        } catch (InvalidPathException e) {
            throw new AbortException(Messages.Workspace_PathOutside(what, given, root));
        }
        if (!p.startsWith(root)) {
            throw new AbortException(Messages.Workspace_PathOutside(what, given, root));
        }
        // the path, or (for one still to be created, such as an output directory) its nearest existing ancestor
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !existing.toRealPath().startsWith(root.toRealPath())) {
            throw new AbortException(Messages.Workspace_PathOutside(what, given, root));
        }
        return p;
    }
}
