package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Util;
import hudson.model.Run;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a build takes from Jenkins besides its arguments, as the step and the freestyle step hold it: the registries
 * it may pull from with credentials, its secrets and SSH keys (credentials ids only), and the directory its files
 * are exported to. Immutable; {@link #check()} finds what is wrong (the setters that fill it never throw: see
 * {@link InvalidValueException}), so a mistake fails when the step starts or the job is saved. The
 * credentials themselves are read on the controller by {@link #resolve}, into a {@link ResolvedInputs} that travels
 * to the agent inside the build callable only: nothing secret is ever in this object, which Jenkins persists.
 */
final class BuildInputs implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    static final BuildInputs NONE = new BuildInputs(List.of(), List.of(), List.of(), null);

    // concrete lists: XStream writes them plainly (no JDK-internal immutable collections in build or job files)
    private ArrayList<PullRegistry> registries;
    private ArrayList<SecretMount> secrets;
    private ArrayList<SshMount> ssh;
    private final String output;

    private BuildInputs(List<PullRegistry> registries, List<SecretMount> secrets, List<SshMount> ssh, String output) {
        this.registries = new ArrayList<>(registries);
        this.secrets = new ArrayList<>(secrets);
        this.ssh = new ArrayList<>(ssh);
        this.output = output;
    }

    /** A file written before a field existed leaves it null: read it as empty. */
    @Serial
    private Object readResolve() {
        if (registries == null) {
            registries = new ArrayList<>();
        }
        if (secrets == null) {
            secrets = new ArrayList<>();
        }
        if (ssh == null) {
            ssh = new ArrayList<>();
        }
        return this;
    }

    List<PullRegistry> registries() {
        return Collections.unmodifiableList(registries);
    }

    List<SecretMount> secrets() {
        return Collections.unmodifiableList(secrets);
    }

    List<SshMount> ssh() {
        return Collections.unmodifiableList(ssh);
    }

    /** Relative to the workspace; null for no export. */
    String output() {
        return output;
    }

    /** The entries as given (checked by {@link #check()}). */
    BuildInputs withRegistries(List<PullRegistry> registries) {
        return new BuildInputs(withoutNulls(registries), secrets, ssh, output);
    }

    BuildInputs withSecrets(List<SecretMount> secrets) {
        return new BuildInputs(registries, withoutNulls(secrets), ssh, output);
    }

    BuildInputs withSsh(List<SshMount> ssh) {
        return new BuildInputs(registries, secrets, withoutNulls(ssh), output);
    }

    private static <T> List<T> withoutNulls(List<T> values) {
        List<T> list = new ArrayList<>();
        if (values != null) {
            for (T v : values) {
                if (v != null) {
                    list.add(v);
                }
            }
        }
        return list;
    }

    /**
     * Each entry complete, no registry, secret id or SSH id twice (registries named in the global configuration are
     * looked up when the build runs).
     */
    void check() throws InvalidValueException {
        Set<String> seen = new HashSet<>();
        for (PullRegistry r : registries) {
            r.check();
            String key = r.getUrl() != null ? RegistryHost.normalize(r.getUrl()) : "name:" + r.getName();
            if (!seen.add(key)) {
                throw new InvalidValueException("registries",
                        Messages.PullRegistry_Twice(r.getUrl() != null ? key : r.getName()));
            }
        }
        Set<String> ids = new HashSet<>();
        for (SecretMount s : secrets) {
            s.check();
            if (!ids.add(s.getId())) {
                throw new InvalidValueException("secrets", Messages.SecretMount_Twice(s.getId()));
            }
        }
        Set<String> sshIds = new HashSet<>();
        for (SshMount s : ssh) {
            s.check();
            if (!sshIds.add(s.getId())) {
                throw new InvalidValueException("ssh", Messages.SshMount_Twice(s.getId()));
            }
        }
    }

    /** Blank for none; whether it stays inside the workspace is checked on the agent, against the real files. */
    BuildInputs withOutput(String output) {
        return new BuildInputs(registries, secrets, ssh, Util.fixEmptyAndTrim(output));
    }

    /**
     * Reads every credential on the controller, as the run (so its authorisation applies), tracking each use.
     * Registries named in the global configuration get their address, and their credentials unless the entry
     * gives its own.
     */
    ResolvedInputs resolve(Run<?, ?> run) throws IOException {
        try {
            check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        Map<String, RegistryLogin> pull = new LinkedHashMap<>();
        for (PullRegistry r : registries) {
            String url = r.getUrl();
            String credentialsId = r.getCredentialsId();
            if (r.getName() != null) {
                NamedRegistry named = ContainerBuildConfiguration.get().registry(r.getName());
                if (named == null) {
                    throw new AbortException(Messages.PullRegistry_UnknownName(r.getName()));
                }
                url = named.getUrl();
                credentialsId = credentialsId != null ? credentialsId : named.getCredentialsId();
                if (credentialsId == null) {
                    throw new AbortException(Messages.PullRegistry_NamedWithoutCredentials(r.getName()));
                }
            }
            String host = RegistryHost.normalize(url);
            if (pull.containsKey(host)) {
                throw new AbortException(Messages.PullRegistry_Twice(host));
            }
            pull.put(host, CredentialsLookup.registryLogin(credentialsId, run));
        }
        Map<String, byte[]> secretValues = new LinkedHashMap<>();
        for (SecretMount s : secrets) {
            secretValues.put(s.getId(), CredentialsLookup.secretBytes(s.getCredentialsId(), run));
        }
        Map<String, List<ResolvedInputs.KeyText>> keys = new LinkedHashMap<>();
        for (SshMount s : ssh) {
            keys.put(s.getId(), CredentialsLookup.sshKeys(s.getCredentialsId(), run));
        }
        return new ResolvedInputs(pull, secretValues, keys, output);
    }

    @Override
    public String toString() {
        return "BuildInputs[registries=" + registries + ", secrets=" + secrets + ", ssh=" + ssh + ", output=" + output
                + "]";
    }
}
