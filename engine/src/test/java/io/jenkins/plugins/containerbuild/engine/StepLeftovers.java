package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a build step can leave on the host of the lab's daemon after an abort: its processes (found by their exact
 * command line, which a test makes unique), their open sockets, and the agent sockets the daemon's BuildKit makes for
 * {@code RUN --mount=type=ssh} ({@code DATA-ROOT/tmp/.buildkit-ssh-sock*}). BuildKit 0.8 removes such a socket when
 * its step ends but leaves the empty directory, so only sockets in directories made since {@link #begin()} count.
 */
public final class StepLeftovers {

    private final Set<Path> socketDirsBefore;

    private StepLeftovers(Set<Path> socketDirsBefore) {
        this.socketDirsBefore = socketDirsBefore;
    }

    /** Starts watching the host daemon's agent socket directories. */
    public static StepLeftovers begin() {
        return new StepLeftovers(socketDirs());
    }

    /** The agent sockets in directories the daemon made since {@link #begin()}. */
    public List<Path> agentSockets() {
        Set<Path> added = new HashSet<>(socketDirs());
        added.removeAll(socketDirsBefore);
        List<Path> sockets = new ArrayList<>();
        for (Path d : added) {
            try (Stream<Path> entries = Files.list(d)) {
                entries.forEach(sockets::add);
            } catch (NoSuchFileException gone) {
                // removed meanwhile
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sockets;
    }

    /** Whether a process runs with exactly this command line. */
    public static boolean running(String commandLine) {
        return !pids(commandLine).isEmpty();
    }

    /** Whether a process with exactly this command line has a socket open (say, its connection to an agent). */
    public static boolean holdsASocket(String commandLine) {
        for (String pid : pids(commandLine)) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                            return true;
                        }
                    } catch (IOException closedMeanwhile) {
                        // not open any more
                    }
                }
            } catch (IOException ended) {
                // the process ended meanwhile
            }
        }
        return false;
    }

    private static List<String> pids(String commandLine) {
        return Lab.exec(List.of("pgrep", "-f", "^" + commandLine + "$"), null, false).stdout().strip().lines()
                .filter(l -> !l.isBlank()).toList();
    }

    private static Set<Path> socketDirs() {
        Path tmp = Path.of(Lab.get().docker("info", "-f", "{{.DockerRootDir}}").strip(), "tmp");
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".buildkit-ssh-sock"))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
