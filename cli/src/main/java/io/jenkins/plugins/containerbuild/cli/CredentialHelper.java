package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks a docker credential helper for one registry's login, as the docker CLI does: runs
 * {@code docker-credential-NAME get} (found on {@code PATH}) with the server address on stdin and reads
 * {@code {"Username": ..., "Secret": ...}} from its stdout, in memory. Only a helper found through an absolute
 * {@code PATH} entry is run. The helper gets no secret in its arguments or
 * environment; its stderr is discarded and its stdout never repeated in a message, since either may carry the
 * secret.
 */
final class CredentialHelper {

    /** What docker-credential-helpers print when they hold nothing for the address. */
    private static final String NOT_FOUND = "credentials not found in native keychain";

    /** How long a helper may take: one that waits for a keychain to be unlocked would otherwise hang the build. */
    static final long TIMEOUT_SECONDS = 60;

    private static final int MAX_OUTPUT = 1024 * 1024;

    private final String name;
    private final String source;

    /**
     * @param name   the helper's suffix: {@code desktop} for {@code docker-credential-desktop}
     * @param source where it was named, for messages ({@code credsStore in /root/.docker/config.json})
     */
    CredentialHelper(String name, String source) {
        this.name = name;
        this.source = source;
    }

    String program() {
        return "docker-credential-" + name;
    }

    /**
     * The login the helper holds for {@code serverAddress}, or empty when it holds none.
     *
     * @throws UsageException when the helper is missing, fails, hangs or answers something else
     */
    Optional<RegistryCredentials> get(String serverAddress, Map<String, String> env, Options.Command command)
            throws UsageException, InterruptedException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new UsageException("The credential helper name '" + name + "' (" + source + ") is not a plain"
                    + " name: fix that entry.", command);
        }
        Path executable = find(env, command);
        if (executable == null) {
            throw new UsageException(program() + ", named by " + source + ", is not on PATH: install it or remove"
                    + " that entry.", command);
        }
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "get")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UsageException(program() + " (" + source + ") cannot be started: " + e.getMessage() + ".",
                    command, e);
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), stdout));
        byte[] out = null;
        try {
            try (OutputStream in = process.getOutputStream()) {
                in.write(serverAddress.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // a helper that exits without reading its input: its exit status says what happened
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new UsageException(program() + " (" + source + ") did not answer for " + serverAddress
                        + " within " + TIMEOUT_SECONDS + " s: check that it can run without a prompt.", command);
            }
            reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            synchronized (stdout) {
                out = stdout.toByteArray();
            }
            if (process.exitValue() != 0) {
                if (new String(out, StandardCharsets.UTF_8).contains(NOT_FOUND)) {
                    return Optional.empty();
                }
                throw new UsageException(program() + " (" + source + ") failed for " + serverAddress + " with exit"
                        + " status " + process.exitValue() + ": run 'echo " + serverAddress + " | " + program()
                        + " get' to see why.", command);
            }
            return parse(out, serverAddress, command);
        } finally {
            process.destroyForcibly();
            if (out != null) {
                Arrays.fill(out, (byte) 0);
            }
        }
    }

    private Optional<RegistryCredentials> parse(byte[] out, String serverAddress, Options.Command command)
            throws UsageException {
        Map<String, Object> answer;
        try {
            answer = JsonTree.object(out);
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !(answer.getOrDefault("Secret", "") instanceof String secret)
                || !(answer.getOrDefault("Username", "") instanceof String username)) {
            throw new UsageException(program() + " (" + source + ") gave an answer for " + serverAddress
                    + " that is not {\"Username\": ..., \"Secret\": ...}: check the helper.", command);
        }
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (username.equals("<token>")) {
            return Optional.of(RegistryCredentials.ofIdentityToken(secret));
        }
        if (username.isBlank()) {
            throw new UsageException(program() + " (" + source + ") gave a secret but no Username for "
                    + serverAddress + ": log in again with docker login.", command);
        }
        return Optional.of(new RegistryCredentials(username, secret));
    }

    /**
     * The helper's absolute path: the first {@code PATH} entry that holds it, as a shell finds it. A match in a
     * relative entry ({@code .}, {@code bin}, or an empty one, which means the current directory) is refused rather
     * than skipped, as the docker CLI does (Go's {@code exec.ErrDot}): whoever can write the directory the command
     * runs in, a checked-out repository for one, would otherwise choose the program that is handed the registry
     * address and whose answer becomes the login.
     */
    private Path find(Map<String, String> env, Options.Command command) throws UsageException {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(":", -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program());
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                if (!candidate.isAbsolute()) {
                    throw new UsageException(program() + ", named by " + source + ", was found through the relative"
                            + " PATH entry '" + dir + "'" + (dir.isEmpty() ? " (an empty entry is the current"
                            + " directory)" : "") + ", and a credential helper found relative to the current"
                            + " directory is not run: remove that entry from PATH or put the helper's absolute"
                            + " directory before it.", command);
                }
                return candidate;
            }
        }
        return null;
    }

    private static void drain(InputStream in, ByteArrayOutputStream into) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (into) {
                    if (into.size() + n > MAX_OUTPUT) {
                        return; // an answer this large is not a login; parse() refuses what was kept
                    }
                    into.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process ended; what was read is the answer
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }
}
