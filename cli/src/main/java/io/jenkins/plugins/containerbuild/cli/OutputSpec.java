package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.BuildOutput;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code --output} (or {@code -o}) value in buildx's syntax: a bare {@code DIR} (the local exporter), or
 * {@code type=local,dest=DIR} or {@code type=tar,dest=FILE}. Other exporters (image, registry, oci, docker) and
 * exporter attributes are refused: the image is the build's own result, and {@code push} sends it.
 *
 * @param tar  true for a tar file, false for a directory
 * @param dest the destination as written, resolved against the working directory by {@link #toOutput}
 */
record OutputSpec(boolean tar, String dest) {

    static final String FLAG = "--output";

    static OutputSpec parse(String value) {
        List<String> fields;
        try {
            fields = CsvFields.split(value);
        } catch (IllegalArgumentException e) {
            throw bad(value, e.getMessage());
        }
        if (fields.size() == 1 && fields.get(0).equals(value) && !value.startsWith("type=")) {
            if (value.equals("-")) {
                throw new IllegalArgumentException(FLAG + " '-' (a tar on standard output) is not supported: stdout"
                        + " carries the result; write it to a file with " + FLAG + " type=tar,dest=FILE.");
            }
            if (value.isEmpty()) {
                throw bad(value, "it is empty");
            }
            return new OutputSpec(false, value);
        }
        String type = null;
        String dest = null;
        List<CsvFields.Pair> pairs;
        try {
            pairs = CsvFields.pairs(fields);
        } catch (IllegalArgumentException e) {
            throw bad(value, e.getMessage());
        }
        for (CsvFields.Pair pair : pairs) {
            String key = pair.key();
            String v = pair.value();
            switch (key) {
                case "type" -> type = v;
                case "dest" -> dest = v;
                default -> throw bad(value, "key '" + key + "' is not supported (type and dest only)");
            }
        }
        if (type == null) {
            throw bad(value, "it has no type");
        }
        if (!type.equals("local") && !type.equals("tar")) {
            throw bad(value, "type '" + type + "' is not supported: give local or tar (the image is built anyway,"
                    + " and push sends it)");
        }
        if (dest == null || dest.isEmpty()) {
            throw bad(value, "type=" + type + " needs dest=" + (type.equals("tar") ? "FILE" : "DIR"));
        }
        if (dest.equals("-")) {
            throw new IllegalArgumentException(FLAG + " dest=- (standard output) is not supported: stdout carries"
                    + " the result; give a file.");
        }
        return new OutputSpec(type.equals("tar"), dest);
    }

    BuildOutput toOutput(Path cwd, Options.Command command) throws UsageException {
        Path p;
        try {
            p = cwd.resolve(dest).normalize();
        } catch (InvalidPathException e) {
            throw new UsageException(FLAG + " '" + dest + "' is not a valid path.", command, e);
        }
        return tar ? new BuildOutput.Tar(p) : new BuildOutput.Local(p);
    }

    private static IllegalArgumentException bad(String value, String problem) {
        return new IllegalArgumentException(FLAG + " '" + value + "' is malformed: " + problem + " (such as "
                + FLAG + " dist, " + FLAG + " type=local,dest=dist or " + FLAG + " type=tar,dest=out.tar).");
    }
}
