package io.jenkins.plugins.containerbuild;

import io.jenkins.plugins.containerbuild.engine.BuildOutput;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.SecretMasks;
import io.jenkins.plugins.containerbuild.engine.SshKey;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link BuildInputs} with what the controller looked up: registry logins by host, secret bytes by id, SSH key
 * texts by id, and the output directory. It exists only inside the build callable, on its way to the agent
 * (remoting); it is never persisted, and {@link #toString()} shows counts only. The agent puts it into the engine's
 * request with {@link #applyTo}, masks {@link #masks()} in the log and overwrites the secret bytes with
 * {@link #destroy()} when the build has ended.
 */
final class ResolvedInputs implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, RegistryLogin> pull;
    private final LinkedHashMap<String, byte[]> secrets;
    private final LinkedHashMap<String, ArrayList<KeyText>> ssh;
    private final String output;

    ResolvedInputs(Map<String, RegistryLogin> pull, Map<String, byte[]> secrets, Map<String, List<KeyText>> ssh,
                   String output) {
        this.pull = new LinkedHashMap<>(pull);
        this.secrets = new LinkedHashMap<>(secrets);
        this.ssh = new LinkedHashMap<>();
        ssh.forEach((id, keys) -> this.ssh.put(id, new ArrayList<>(keys)));
        this.output = output;
    }

    /**
     * Adds the output, keys, credentials and secrets to the engine's request; runs on the agent. What may be
     * refused (the output path, a key) comes first, so that a refusal leaves no copy of a secret in the builder.
     */
    void applyTo(BuildRequest.Builder b, Path workspace) throws IOException {
        if (output != null) {
            b.output(new BuildOutput.Local(WorkspacePaths.resolve(workspace, output, Messages.Workspace_Output())));
        }
        for (Map.Entry<String, ArrayList<KeyText>> e : ssh.entrySet()) {
            List<SshKey> keys = new ArrayList<>();
            for (KeyText k : e.getValue()) {
                keys.add(SshKey.of(k.privateKey(), k.passphrase()));
            }
            b.ssh(e.getKey(), keys);
        }
        pull.forEach((host, login) -> b.pullCredentials(host, login.toEngine()));
        secrets.forEach(b::secret);
    }

    /** What must never appear in the log: passwords, secret values, key texts and passphrases ({@link SecretMasks}). */
    List<String> masks() {
        List<String> values = new ArrayList<>();
        pull.values().forEach(l -> values.add(l.password()));
        for (byte[] s : secrets.values()) {
            values.add(SecretMasks.text(s));
        }
        for (List<KeyText> keys : ssh.values()) {
            for (KeyText k : keys) {
                values.add(k.privateKey());
                values.add(k.passphrase());
            }
        }
        return SecretMasks.of(values);
    }

    /** Overwrites the secret bytes held here (the engine's request holds copies, destroyed with it). */
    void destroy() {
        secrets.values().forEach(s -> Arrays.fill(s, (byte) 0));
    }

    boolean isEmpty() {
        return pull.isEmpty() && secrets.isEmpty() && ssh.isEmpty() && output == null;
    }

    @Override
    public String toString() {
        return "ResolvedInputs[" + pull.size() + " registries, " + secrets.size() + " secrets, " + ssh.size()
                + " SSH ids, output=" + output + "]";
    }

    /** A private key's text and its passphrase (null for none). {@link #toString()} shows neither. */
    record KeyText(String privateKey, String passphrase) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return "KeyText[****]";
        }
    }
}
