package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.SshKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One {@code --ssh} value, as the docker CLI and buildx take it: {@code ID[=PATH[,PATH...]]}. An empty id is
 * {@code default}; each path is a private key file or the socket of a running agent (one socket, not mixed with
 * keys); no path forwards the agent at {@code $SSH_AUTH_SOCK}. A key that needs a passphrase is refused: the CLI
 * cannot prompt for it.
 *
 * @param id    the id a {@code RUN --mount=type=ssh,id=ID} names
 * @param paths key files or an agent socket, as written; empty for {@code $SSH_AUTH_SOCK}
 */
record SshSpec(String id, List<String> paths) {

    static final String FLAG = "--ssh";

    /** BuildKit's own agent reads at most this much of a key file. */
    static final int MAX_KEY_BYTES = 100 * 1024;

    SshSpec {
        paths = List.copyOf(paths);
    }

    static SshSpec parse(String value) {
        int eq = value.indexOf('=');
        String id = eq < 0 ? value : value.substring(0, eq);
        List<String> paths = new ArrayList<>();
        if (eq >= 0) {
            for (String p : value.substring(eq + 1).split(",", -1)) {
                if (p.isEmpty()) {
                    throw new IllegalArgumentException(FLAG + " '" + value + "' is malformed: it has an empty path;"
                            + " write " + FLAG + " ID=KEYFILE[,KEYFILE...] or " + FLAG + " default.");
                }
                paths.add(p);
            }
        }
        return new SshSpec(id.isEmpty() ? "default" : id, paths);
    }

    /**
     * Reads the keys, or finds the agent's socket, and adds them to {@code b}.
     *
     * @throws UsageException naming the flag, the id and what is wrong: no agent, an unreadable or encrypted key
     */
    void addTo(BuildRequest.Builder b, Map<String, String> env, Path cwd, Options.Command command)
            throws UsageException {
        if (paths.isEmpty()) {
            String sock = env.get("SSH_AUTH_SOCK");
            if (sock == null || sock.isEmpty()) {
                throw new UsageException(FLAG + " " + id + ": SSH_AUTH_SOCK is not set, so there is no agent to"
                        + " forward; start ssh-agent or give key files (" + FLAG + " " + id + "=~/.ssh/id_ed25519).",
                        command);
            }
            Path socket = resolve(sock, cwd, command);
            if (!isSocket(socket)) {
                throw new UsageException(FLAG + " " + id + ": SSH_AUTH_SOCK names " + socket + ", which is not a"
                        + " socket; start ssh-agent or give key files.", command);
            }
            add(b, () -> b.sshAgent(id, socket), command);
            return;
        }
        List<SshKey> keys = new ArrayList<>();
        Path socket = null;
        for (String p : paths) {
            Path path = resolve(p, cwd, command);
            if (isSocket(path)) {
                if (socket != null || paths.size() > 1) {
                    throw new UsageException(FLAG + " " + id + ": give either one agent socket or key files, not"
                            + " both nor two sockets.", command);
                }
                socket = path;
                continue;
            }
            keys.add(readKey(path, command));
        }
        if (socket != null) {
            Path agent = socket;
            add(b, () -> b.sshAgent(id, agent), command);
        } else {
            add(b, () -> b.ssh(id, keys), command);
        }
    }

    private SshKey readKey(Path path, Options.Command command) throws UsageException {
        if (!Files.isRegularFile(path)) {
            throw new UsageException(FLAG + " " + id + ": " + path + (Files.exists(path) ? " is neither a key file"
                    + " nor an agent socket" : " does not exist") + "; give a private key file.", command);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_KEY_BYTES + 1);
        } catch (IOException e) {
            throw new UsageException(FLAG + " " + id + ": " + path + " cannot be read (" + e.getMessage()
                    + "); check its permissions.", command, e);
        }
        if (bytes.length > MAX_KEY_BYTES) {
            throw new UsageException(FLAG + " " + id + ": " + path + " is larger than 100 KiB: it is not a private"
                    + " key file.", command);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        java.util.Arrays.fill(bytes, (byte) 0);
        if (needsPassphrase(text)) {
            throw new UsageException(FLAG + " " + id + ": " + path + " is protected by a passphrase, and the CLI"
                    + " cannot ask for it; load the key into ssh-agent (ssh-add) and use " + FLAG + " " + id
                    + ", or give a key without a passphrase.", command);
        }
        try {
            return SshKey.of(text, null);
        } catch (IllegalArgumentException e) { // the engine's message never repeats the key
            throw new UsageException(FLAG + " " + id + ": " + path + ": " + e.getMessage(), command, e);
        }
    }

    /**
     * Whether a key file's text is encrypted: a PEM key with {@code Proc-Type: 4,ENCRYPTED}, a PKCS#8
     * {@code ENCRYPTED PRIVATE KEY}, or an OpenSSH key whose cipher is not {@code none}.
     */
    static boolean needsPassphrase(String text) {
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            return true;
        }
        String begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
        int start = text.indexOf(begin);
        int end = text.indexOf("-----END OPENSSH PRIVATE KEY-----");
        if (start < 0 || end < start) {
            return false;
        }
        byte[] blob;
        try {
            blob = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
        } catch (IllegalArgumentException e) {
            return false; // not readable as a key at all: the key parser says so
        }
        byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
        if (blob.length < magic.length + 4 || !java.util.Arrays.equals(blob, 0, magic.length, magic, 0, magic.length)) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(blob, magic.length, blob.length - magic.length);
        int n = buf.getInt();
        if (n < 0 || n > buf.remaining()) {
            return false;
        }
        byte[] cipher = new byte[n];
        buf.get(cipher);
        java.util.Arrays.fill(blob, (byte) 0);
        return !new String(cipher, StandardCharsets.US_ASCII).equals("none");
    }

    private Path resolve(String p, Path cwd, Options.Command command) throws UsageException {
        try {
            return cwd.resolve(p);
        } catch (InvalidPathException e) {
            throw new UsageException(FLAG + " " + id + ": '" + p + "' is not a valid path.", command, e);
        }
    }

    private static boolean isSocket(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode");
            return mode instanceof Integer m && (m & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private void add(BuildRequest.Builder b, Runnable adding, Options.Command command) throws UsageException {
        try {
            adding.run();
        } catch (IllegalArgumentException e) {
            throw new UsageException(FLAG + ": " + e.getMessage(), command, e);
        }
    }
}
