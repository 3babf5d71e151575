package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A dockerd of a fault test's own, on a unix socket in a fresh directory (own data root, exec root and managed
 * containerd), with busybox:local loaded from the lab's host daemon (and, with the containerd image store, pulled
 * from the lab registry under the name builds use there, see {@link Lab#engine26Containerd()}). Tests may kill it
 * without disturbing anything else; {@link #close()} stops it and removes its directory.
 */
public final class DisposableDaemon implements AutoCloseable {

    private final Path root;
    private final Lab.Daemon kind;
    private Process dockerd;

    public DisposableDaemon() throws Exception {
        this(Lab.get().engine20());
    }

    /** A daemon of the same version and image store as {@code kind} (its binaries, its store setting). */
    public DisposableDaemon(Lab.Daemon kind) throws Exception {
        this.kind = kind;
        // short: containerd's socket path under the exec root must stay below the unix socket limit
        root = Files.createDirectories(Path.of("/var/tmp", "cbd-" + UUID.randomUUID().toString().substring(0, 8)));
        start();
        if (kind.containerdStore()) {
            // the name its builds use, as on the lab's daemon of that kind; pulled first, so that the layer blobs come
            // too (with the snapshots already there from a load, containerd would not fetch them)
            Lab.exec(List.of("/usr/bin/docker", "-H", uri(), "pull", "-q", kind.baseImage()), null, true);
        }
        Lab.exec(List.of("sh", "-c", "/usr/bin/docker -H unix://" + Lab.get().hostSocket() + " save "
                + Lab.get().baseImage() + " | /usr/bin/docker -H " + uri() + " load"), null, true);
    }

    public Path socket() {
        return root.resolve("docker.sock");
    }

    public String uri() {
        return "unix://" + socket();
    }

    public DaemonEndpoint endpoint() {
        return new DaemonEndpoint.UnixSocket(socket());
    }

    /** The daemon's own log (its stdout and stderr), there until {@link #close()}. */
    public Path log() {
        return root.resolve("dockerd.log");
    }

    /** Starts (or restarts) the daemon and waits, under a deadline, for its socket to answer. */
    void start() throws Exception {
        Files.createDirectories(root.resolve("data"));
        Files.createDirectories(root.resolve("exec"));
        Path config = root.resolve("daemon.json");
        Files.writeString(config, kind.containerdStore() ? "{\"features\": {\"containerd-snapshotter\": true}}" : "{}");
        ProcessBuilder pb = new ProcessBuilder(kind.packageRoot().resolve("usr/sbin/dockerd").toString(),
                "--config-file", config.toString(), "--host", uri(), "--data-root", root.resolve("data").toString(),
                "--exec-root", root.resolve("exec").toString(), "--pidfile", root.resolve("dockerd.pid").toString(),
                "--bridge=none", "--iptables=false", "--ip6tables=false");
        // its own containerd and docker-init first on PATH (bookworm's runc stays: the lab removed trixie's)
        pb.environment().put("PATH", kind.packageRoot().resolve("usr/bin") + ":" + kind.packageRoot().resolve("usr/sbin")
                + ":" + pb.environment().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        dockerd = pb
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("dockerd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Lab.exec(List.of("curl", "-sf", "--max-time", "2", "--unix-socket", socket().toString(), "http://d/_ping"),
                null, false).exitCode() != 0) {
            if (!dockerd.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("disposable dockerd did not come up: " + Files.readString(root.resolve("dockerd.log")));
            }
            Thread.sleep(100);
        }
    }

    /**
     * SIGKILL to dockerd, as a crash or an OOM kill would do it, and to its managed containerd and shims (a
     * dockerd restarted beside a containerd whose parent died times out connecting to it).
     */
    void kill() throws InterruptedException {
        dockerd.destroyForcibly();
        dockerd.waitFor(30, TimeUnit.SECONDS);
        Lab.exec(List.of("pkill", "-9", "-f", root.toString()), null, false);
        // this sandbox's init may not reap the orphans: a zombie containerd would still pass dockerd's pid check
        Lab.exec(List.of("rm", "-f", root.resolve("exec/containerd/containerd.pid").toString()), null, false);
    }

    boolean alive() {
        return dockerd.isAlive();
    }

    @Override
    public void close() throws Exception {
        if (dockerd.isAlive()) {
            dockerd.destroy();
            if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
                dockerd.destroyForcibly();
            }
        }
        // a killed dockerd leaves its managed containerd (and shims) behind: end those that run under our root
        Lab.exec(List.of("pkill", "-9", "-f", root.toString()), null, false);
        Lab.exec(List.of("sh", "-c", "grep -o ' " + root + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"), null, false);
        Lab.exec(List.of("rm", "-rf", root.toString()), null, false);
        if (Files.exists(root)) {
            throw new UncheckedIOException(new IOException("could not remove " + root));
        }
    }
}
