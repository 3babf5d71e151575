package io.jenkins.plugins.containerbuild.engine.ssh;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The machine's own {@code ssh-agent}, started for one test on a socket of its own and stopped by its process. */
public final class RunningSshAgent implements AutoCloseable {

    private final Process process;
    private final Path socket;

    private RunningSshAgent(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    public static RunningSshAgent start(Path dir) throws IOException, InterruptedException {
        Path socket = dir.resolve("agent.sock");
        Process p = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!Files.exists(socket)) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                p.destroyForcibly();
                throw new IllegalStateException("ssh-agent did not open " + socket + ": "
                        + Files.readString(dir.resolve("agent.log")));
            }
            Thread.sleep(20); // polling the condition, with the deadline above
        }
        return new RunningSshAgent(p, socket);
    }

    public Path socket() {
        return socket;
    }

    /** Runs {@code ssh-add ARGS} against this agent. */
    public Lab.Result sshAdd(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("ssh-add"));
        cmd.addAll(List.of(args));
        return Lab.exec(cmd, Map.of("SSH_AUTH_SOCK", socket.toString()), false);
    }

    /** The agent's process id. */
    public long pid() {
        return process.pid();
    }

    /**
     * How many connections the agent holds: its open unix sockets, less the one it listens on. A client that left
     * its connection open shows here until the client closes it.
     */
    public long connections() throws IOException {
        long sockets = 0;
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException closedMeanwhile) {
                    // not open any more
                }
            }
        }
        return sockets - 1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
