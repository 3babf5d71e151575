package io.jenkins.plugins.containerbuild.engine.lab;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The facts of the running test lab ({@code scripts/lab start}), read from its {@code lab.env}. When the lab is
 * not up, every accessor fails with a message that says how to start it: lab-backed tests never skip.
 */
public final class Lab {

    private static Lab instance;

    private final Map<String, String> facts;

    private Lab(Map<String, String> facts) {
        this.facts = facts;
    }

    /** The lab, or an {@link IllegalStateException} that says to run {@code scripts/lab start}. */
    public static synchronized Lab get() {
        if (instance == null) {
            Path env = Path.of(System.getenv().getOrDefault("LAB_DIR", "/var/tmp/containerbuild-lab"), "lab.env");
            if (!Files.isRegularFile(env)) {
                throw new IllegalStateException("The Docker test lab is not up (" + env
                        + " is missing): run scripts/lab start, or the README's test command, which starts it.");
            }
            Map<String, String> facts = new HashMap<>();
            try {
                for (String line : Files.readAllLines(env)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        facts.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            instance = new Lab(facts);
        }
        return instance;
    }

    public String fact(String key) {
        String v = facts.get(key);
        if (v == null) {
            throw new IllegalStateException("lab.env has no " + key + ": restart the lab with scripts/lab stop; scripts/lab start");
        }
        return v;
    }

    public Path hostSocket() {
        return Path.of(fact("LAB_HOST_SOCKET"));
    }

    public DaemonEndpoint dood() {
        return new DaemonEndpoint.UnixSocket(hostSocket());
    }

    /** The system's Docker Engine 20.10 on the host socket: the agent's daemon of the DooD mode. */
    public Daemon engine20() {
        return new Daemon("20.10", hostSocket(), false, Path.of("/"), Path.of(fact("LAB_DIR"), "dockerd-host.log"), "");
    }

    /** Docker Engine 26.1 with the classic image store (overlay2), on a socket of its own. */
    public Daemon engine26Classic() {
        Path socket = Path.of(fact("LAB_D26_CLASSIC_SOCKET"));
        return new Daemon("26.1-classic", socket, false, Path.of(fact("LAB_D26_ROOT")),
                socket.resolveSibling("dockerd.log"), "");
    }

    /**
     * Docker Engine 26.1 with the containerd image store: image ids are manifest digests. Its BuildKit asks a base
     * image's registry before it looks in the local store, even with pull off ({@code busybox:local} would be a DNS
     * lookup of registry-1.docker.io), so builds there name the lab images after the plain loopback registry, to
     * which the lab pushed them from this daemon: {@code localhost:5000/lab/containerd/busybox:local}.
     */
    public Daemon engine26Containerd() {
        Path socket = Path.of(fact("LAB_D26_CONTAINERD_SOCKET"));
        return new Daemon("26.1-containerd", socket, true, Path.of(fact("LAB_D26_ROOT")),
                socket.resolveSibling("dockerd.log"), containerdImagePrefix());
    }

    /**
     * Podman 4.3's Docker-compatible service (as root), on a socket of its own: it builds with Buildah whichever
     * builder is asked for, has no BuildKit session, and pushes send no aux object.
     */
    public Daemon podman() {
        Path socket = Path.of(fact("LAB_PODMAN_SOCKET"));
        return new Daemon("podman-4.3", socket, false, Path.of("/"), socket.resolveSibling("service.log"), "");
    }

    /**
     * The same Podman run rootless by the lab's user {@code cbpodman} (subordinate ids, its own user namespace), on
     * {@code $XDG_RUNTIME_DIR/podman/podman.sock} of that user.
     */
    public Daemon podmanRootless() {
        return new Daemon("podman-4.3-rootless", Path.of(fact("LAB_PODMAN_ROOTLESS_SOCKET")), false, Path.of("/"),
                Path.of(fact("LAB_DIR"), "podman-rootless", "service.log"), "");
    }

    /** The rootless Podman user's {@code XDG_RUNTIME_DIR}. */
    public Path podmanRootlessRuntimeDir() {
        return Path.of(fact("LAB_PODMAN_ROOTLESS_RUNTIME_DIR"));
    }

    /**
     * Runs the podman CLI bound to the lab Podman's storage (for what the Docker API does not show, such as
     * Buildah's build containers); returns stdout, fails on a non-zero exit.
     */
    public String podmanCli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(fact("LAB_PODMAN_CLI")));
        cmd.addAll(List.of(args));
        return exec(cmd, null, true).stdout();
    }

    /** The lab Podman's temporary directory ({@code TMPDIR} of its service): where it unpacks build contexts. */
    public Path podmanTempDir() {
        return Path.of(fact("LAB_PODMAN_SOCKET")).resolveSibling("tmp");
    }

    /**
     * One of the lab's daemons, for tests that run against each of them. {@code containerdStore}: the daemon keeps
     * images in containerd (ids are manifest digests; a push reply has no aux object). {@code packageRoot}: where its
     * {@code usr/sbin/dockerd} is ({@code /} for the system's), for tests that start a daemon of the same kind.
     * {@code log}: the daemon's own log, for tests that check what it wrote. {@code imagePrefix}: what comes before
     * the names of the lab's images (busybox:local, sshtools:local) on this daemon, see {@link #image(String)}.
     */
    public record Daemon(String name, Path socket, boolean containerdStore, Path packageRoot, Path log,
                         String imagePrefix) {

        /** The name under which this daemon has the lab image {@code name}, for {@code FROM} lines. */
        public String image(String name) {
            return imagePrefix + name;
        }

        /** The lab's busybox on this daemon. */
        public String baseImage() {
            return image(Lab.get().baseImage());
        }

        /** The lab's image with the OpenSSH client tools on this daemon. */
        public String sshImage() {
            return image(Lab.get().fact("LAB_SSH_IMAGE"));
        }

        public DaemonEndpoint endpoint() {
            return new DaemonEndpoint.UnixSocket(socket);
        }

        /** Runs the docker 20.10 CLI against this daemon; returns stdout, fails on a non-zero exit. */
        public String docker(String... args) {
            return run(null, args).stdout();
        }

        /** Runs the docker CLI against this daemon with extra environment; fails on a non-zero exit. */
        public Result run(Map<String, String> env, String... args) {
            return exec(command(args), env, true);
        }

        /** Runs the docker CLI against this daemon; the caller reads the exit code. */
        public Result tryRun(String... args) {
            return exec(command(args), null, false);
        }

        private List<String> command(String... args) {
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker", "-H", "unix://" + socket));
            cmd.addAll(List.of(args));
            return cmd;
        }

        /** Podman, not a Docker Engine. */
        public boolean podman() {
            return name.startsWith("podman");
        }

        /** Engine 26.1 (BuildKit 0.13), as opposed to the system's 20.10 (BuildKit 0.8). */
        public boolean engine26() {
            return name.startsWith("26.");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public Path certs() {
        return Path.of(fact("LAB_CERTS"));
    }

    public TlsMaterial clientTls() {
        try {
            return TlsMaterial.fromFiles(certs().resolve("ca.pem"), certs().resolve("client-cert.pem"),
                    certs().resolve("client-key.pem"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI tlsUri() {
        return URI.create(fact("LAB_TLS_URI"));
    }

    public DaemonEndpoint tls() {
        return new DaemonEndpoint.Tcp(tlsUri(), clientTls(), false);
    }

    /** {@code localhost:5000}: no auth. */
    public String plainRegistry() {
        return fact("LAB_REGISTRY_PLAIN");
    }

    /** {@code localhost:5001}: htpasswd auth. */
    public String authRegistry() {
        return fact("LAB_REGISTRY_AUTH");
    }

    /** {@code localhost:5002}: TLS plus auth. */
    public String tlsRegistry() {
        return fact("LAB_REGISTRY_TLS");
    }

    public String registryPassword() {
        try {
            return Files.readString(Path.of(fact("LAB_REGISTRY_PASSWORD_FILE"))).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RegistryCredentials registryCredentials() {
        return new RegistryCredentials(fact("LAB_REGISTRY_USER"), registryPassword());
    }

    /** {@code busybox:local}, on the host and the TLS daemon. */
    public String baseImage() {
        return fact("LAB_BASE_IMAGE");
    }

    /**
     * What comes before a lab image's name for builds on the containerd store: {@code localhost:5000/lab/containerd/}.
     * {@code scripts/lab} pushes that daemon's own busybox and sshtools there, so that the registry answers BuildKit's
     * lookup with the manifest the daemon has.
     */
    public String containerdImagePrefix() {
        return plainRegistry() + "/lab/containerd/";
    }

    /** The busybox image in the plain registry: the base for builds inside a DinD sidecar. */
    public String registryBaseImage() {
        return fact("LAB_REGISTRY_BASE_IMAGE");
    }

    public String dindImage() {
        return fact("LAB_DIND_IMAGE");
    }

    /** Runs the docker 20.10 CLI against the host daemon; returns stdout, fails on a non-zero exit. */
    public String docker(String... args) {
        return run(null, args).stdout();
    }

    /** Runs the docker CLI with extra environment (for example DOCKER_BUILDKIT=1). */
    public Result run(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/docker");
        cmd.add("-H");
        cmd.add("unix://" + hostSocket());
        cmd.addAll(List.of(args));
        return exec(cmd, env, true);
    }

    /** Runs a command; with {@code check}, a non-zero exit throws with its output. */
    public static Result exec(List<String> cmd, Map<String, String> env, boolean check) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (env != null) {
                pb.environment().putAll(env);
            }
            // stderr is read in memory, on a thread of its own: a temporary file would be seen by the tests that
            // check that nothing is left in /tmp
            Process p = pb.start();
            p.getOutputStream().close();
            java.util.concurrent.CompletableFuture<String> err = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    err.complete("(stderr unreadable: " + e.getMessage() + ")");
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            Result r;
            try {
                r = new Result(p.exitValue(), out, err.get(1, TimeUnit.MINUTES));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("stderr of " + cmd + " not read", e);
            }
            if (check && r.exitCode() != 0) {
                throw new IllegalStateException(cmd + " exited " + r.exitCode() + ": " + r.stderr() + r.stdout());
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Result(int exitCode, String stdout, String stderr) {}
}
