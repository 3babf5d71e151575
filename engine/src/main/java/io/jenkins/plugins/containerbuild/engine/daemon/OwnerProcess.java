package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which process started a sidecar, written on its labels so that a later engine can tell whether that process is
 * gone. Two labels: the <em>scope</em> (the machine's boot id, the process namespace and the user id) and the
 * <em>process</em> (pid and the start time the kernel keeps for it, in clock ticks since boot, which never changes
 * while the process lives). A process may judge another only within the same scope: there a pid means the same
 * thing, and a process of the same user is always visible in {@code /proc}. A pid that is absent, or that now
 * belongs to a process started at another tick, is dead. Outside Linux, or when {@code /proc} cannot be read, there
 * is no scope: nothing is labelled and nothing is ever judged dead.
 */
record OwnerProcess(String scope, long pid, String startTicks) {

    static final String SCOPE_LABEL = "io.jenkins.containerbuild.owner-scope";
    static final String PROCESS_LABEL = "io.jenkins.containerbuild.owner-process";

    private static final Path PROC = Path.of("/proc");

    /** This JVM, or empty when its identity cannot be read. */
    static Optional<OwnerProcess> current() {
        try {
            String boot = Files.readString(PROC.resolve("sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
            String pidNs = Files.readSymbolicLink(PROC.resolve("self/ns/pid")).toString(); // pid:[4026531836]
            Object uid = Files.getAttribute(PROC.resolve("self"), "unix:uid");
            long pid = ProcessHandle.current().pid();
            Optional<String> start = startTicks(pid);
            if (boot.isEmpty() || start.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new OwnerProcess(boot + "/" + pidNs + "/uid=" + uid, pid, start.get()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The value of {@link #PROCESS_LABEL}. */
    String processLabel() {
        return pid + "@" + startTicks;
    }

    /**
     * Whether the process a sidecar's {@link #PROCESS_LABEL} names is certainly gone. Called only for sidecars of
     * this process's scope; an unreadable label is never judged dead.
     */
    static boolean isDead(String processLabel) {
        if (processLabel == null) {
            return false;
        }
        int at = processLabel.indexOf('@');
        if (at <= 0) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(processLabel.substring(0, at));
        } catch (NumberFormatException e) {
            return false;
        }
        String wanted = processLabel.substring(at + 1);
        try {
            Optional<String> now = startTicks(pid);
            return now.isEmpty() || !now.get().equals(wanted);
        } catch (IOException | RuntimeException e) {
            return false; // cannot tell: keep it
        }
    }

    /** Field 22 of {@code /proc/PID/stat}, or empty when there is no such process. */
    static Optional<String> startTicks(long pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        if (rest.length < 20) {
            throw new IOException("unexpected /proc/" + pid + "/stat");
        }
        return Optional.of(rest[19]); // fields 3.. start at index 0, so field 22 is index 19
    }
}
