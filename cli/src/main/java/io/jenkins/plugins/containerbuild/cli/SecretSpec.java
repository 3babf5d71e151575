package io.jenkins.plugins.containerbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One {@code --secret} value, in the docker CLI's and buildx's syntax: comma-separated {@code type=file|env},
 * {@code id=ID}, {@code src=FILE} (or {@code source=}) and {@code env=VAR}. Without {@code id} the id is the file's
 * base name or the variable's name; with only an id the secret comes from the variable of that name when it is set,
 * else from the file of that name, as BuildKit's own secret store decides. The value is read only by
 * {@link #read}, just before the build.
 *
 * @param id     the id a {@code RUN --mount=type=secret,id=ID} names
 * @param file   the file to read, or null
 * @param env    the environment variable to read, or null
 */
record SecretSpec(String id, String file, String env) {

    /** BuildKit refuses larger secrets ({@code MaxSecretSize}, 500 KiB). */
    static final int MAX_BYTES = 500 * 1024;

    static final String FLAG = "--secret";

    /**
     * Parses the text of one {@code --secret}.
     *
     * @throws IllegalArgumentException naming the flag and what is wrong
     */
    static SecretSpec parse(String value) {
        List<String> fields;
        try {
            fields = CsvFields.split(value);
        } catch (IllegalArgumentException e) {
            throw bad(value, e.getMessage());
        }
        String type = null;
        String id = null;
        String file = null;
        String env = null;
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
                case "type" -> {
                    if (!v.equals("file") && !v.equals("env")) {
                        throw bad(value, "type '" + v + "' is not supported (file or env)");
                    }
                    type = v;
                }
                case "id" -> id = v;
                case "src", "source" -> file = v;
                case "env" -> env = v;
                default -> throw bad(value, "key '" + key + "' is unknown (type, id, src, env)");
            }
        }
        if ("env".equals(type) && isEmpty(env)) { // type=env,src=VAR names the variable
            env = file;
            file = null;
        }
        if (!isEmpty(file) && !isEmpty(env)) {
            throw bad(value, "src and env are both given; give one of them");
        }
        if (isEmpty(id)) {
            if (!isEmpty(file)) {
                id = Path.of(file).getFileName() == null ? file : Path.of(file).getFileName().toString();
            } else if (!isEmpty(env)) {
                id = env;
            } else {
                throw bad(value, "it names no secret; write id=ID,src=FILE or id=ID,env=VAR");
            }
        }
        if (isEmpty(file) && isEmpty(env)) {
            if ("file".equals(type)) {
                file = id;
            } else if ("env".equals(type)) {
                env = id;
            }
        }
        return new SecretSpec(id, isEmpty(file) ? null : file, isEmpty(env) ? null : env);
    }

    /**
     * The secret's bytes: the file's (relative to {@code cwd}) or the variable's in UTF-8. With only an id, the
     * variable of that name if set, else the file of that name.
     *
     * @throws UsageException naming the flag, the id and the unreadable file or unset variable
     */
    byte[] read(Map<String, String> environment, Path cwd, Options.Command command) throws UsageException {
        String variable = env;
        String path = file;
        if (variable == null && path == null) {
            if (environment.containsKey(id)) {
                variable = id;
            } else {
                path = id;
            }
        }
        if (variable != null) {
            String text = environment.get(variable);
            if (text == null) {
                throw new UsageException(FLAG + " id=" + id + ": the environment variable " + variable
                        + " is not set; export it or give src=FILE.", command);
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }
        Path resolved;
        try {
            resolved = cwd.resolve(path);
        } catch (InvalidPathException e) {
            throw new UsageException(FLAG + " id=" + id + ": '" + path + "' is not a valid path.", command, e);
        }
        if (!Files.isRegularFile(resolved)) {
            throw new UsageException(FLAG + " id=" + id + ": " + resolved + (Files.exists(resolved)
                    ? " is not a regular file" : " does not exist") + "; give the file that holds the secret.", command);
        }
        try (InputStream in = Files.newInputStream(resolved)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                java.util.Arrays.fill(bytes, (byte) 0);
                throw new UsageException(FLAG + " id=" + id + ": " + resolved + " is larger than 500 KiB, the most"
                        + " BuildKit takes for a secret.", command);
            }
            return bytes;
        } catch (IOException e) {
            throw new UsageException(FLAG + " id=" + id + ": " + resolved + " cannot be read (" + e.getMessage()
                    + "); check its permissions.", command, e);
        }
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static IllegalArgumentException bad(String value, String problem) {
        return new IllegalArgumentException(FLAG + " '" + value + "' is malformed: " + problem
                + " (such as " + FLAG + " id=npmrc,src=.npmrc or " + FLAG + " id=token,env=API_TOKEN).");
    }
}
