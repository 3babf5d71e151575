package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Stops the running {@code RUN} step of an aborted Podman build, which Podman does not do itself: its service runs a
 * Buildah step to its end after the client went away (Buildah's run takes no cancellation; seen with Podman 4.3.1,
 * and Podman's own remote client has the same gap), and its API has no call that stops a step.
 *
 * <p>So the build gets a cgroup of its own: {@code cgroupparent=containerbuild-RANDOM}, which Buildah hands, as it
 * is, to the OCI runtime as the cgroup path of every {@code RUN} container of the build, and which the runtime
 * removes with the container. Buildah runs the runtime with its cgroupfs driver for builds, whatever cgroup manager
 * Podman itself uses, so the path is a cgroupfs one; relative, as Buildah's own default is, it lands beside the
 * Podman service's cgroup. After an abort the processes in that cgroup are looked for in this host's {@code /proc}
 * (the agent is the Podman host when the engine reaches Podman over a local socket) and killed with SIGKILL; where
 * that is refused, Buildah's monitor above them ({@code buildah-oci-runtime}, which runs as the service's user) gets
 * SIGTERM and has the runtime kill the container, as on Ctrl-C of a local {@code podman build}. The failed step then
 * ends the build, and Buildah removes its build container.
 *
 * <p>No cgroup is asked for where Podman cannot make one: rootless Podman on cgroup v1, or without a systemd user
 * session that delegates a cgroup to it, runs builds in the service's own cgroup; there an abort still ends the call
 * at once, and the running step runs to its end (the log says so). A runtime that refuses the cgroup anyway has its
 * build run again without it ({@link #refusedBy(ContainerEngineException)}), and the endpoint is not given one again
 * in this JVM.
 */
final class PodmanRunStopper {

    /** The start of the name of one build's cgroup, the cgroup of its RUN containers. */
    static final String PREFIX = "containerbuild-";

    /** How long after the last process of the build was seen the stop goes on looking (a step being created). */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** The longest a stop takes, whatever is still found. */
    private static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(20);

    /**
     * How long the stop goes on when nothing it finds may be signalled: long enough to see the processes a step is
     * still starting (to name them all), not to wait for what cannot change.
     */
    private static final long HOPELESS_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Buildah's per-step monitor process: Podman's binary re-executed under this name. */
    static final String MONITOR = "buildah-oci-runtime";

    /** Endpoints whose runtime refused a build's own cgroup: asked for none again. */
    private static final Set<String> REFUSED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String endpoint;
    private final String marker;
    private final String whyNone;
    private final Path proc;
    /** Sends SIGKILL to a process; false when the process may not be signalled (or is gone). */
    private final Predicate<ProcessHandle> kill;
    /** Sends SIGTERM to a process (a monitor); false when it may not be signalled. */
    private final Predicate<ProcessHandle> term;

    private PodmanRunStopper(String endpoint, String marker, String whyNone, Path proc, Predicate<ProcessHandle> kill,
                             Predicate<ProcessHandle> term) {
        this.endpoint = endpoint;
        this.marker = marker;
        this.whyNone = whyNone;
        this.proc = proc;
        this.kill = kill;
        this.term = term;
    }

    private PodmanRunStopper(String endpoint, String marker, String whyNone, Path proc) {
        this(endpoint, marker, whyNone, proc, ProcessHandle::destroyForcibly, ProcessHandle::destroy);
    }

    /**
     * The same plan with {@code kill} and {@code term} in place of SIGKILL and SIGTERM (tests: signals that are
     * refused, as they are for an engine that may not signal the step's processes or their monitor).
     */
    PodmanRunStopper signallingWith(Predicate<ProcessHandle> kill, Predicate<ProcessHandle> term) {
        return new PodmanRunStopper(endpoint, marker, whyNone, proc, kill, term);
    }

    /**
     * What to ask Podman on {@code daemon} for, from its {@code /libpod/info} (the service's cgroup manager and
     * version, and whether it runs rootless). Only a Podman on a local socket can have its steps stopped from here.
     */
    static PodmanRunStopper plan(DaemonConnection daemon) {
        String endpoint = daemon.endpoint().toString();
        Path proc = Path.of("/proc");
        if (!(daemon.endpoint() instanceof DaemonEndpoint.UnixSocket)) {
            return none(endpoint, "Podman on " + endpoint + " runs on another host, where the engine cannot stop its"
                    + " processes");
        }
        if (!Files.isDirectory(proc.resolve("self"))) {
            return none(endpoint, "this host has no /proc in which the engine could find the step's processes");
        }
        JsonNode info;
        try {
            info = info(daemon);
        } catch (IOException | RuntimeException e) {
            return none(endpoint, "Podman's /libpod/info could not be read (" + e.getMessage() + ")");
        }
        PodmanRunStopper decided = decide(endpoint, info, randomMarker(), proc);
        if (decided.marker != null && REFUSED.contains(endpoint)) {
            return none(endpoint, "its OCI runtime refused an earlier build a cgroup of its own");
        }
        return decided;
    }

    /**
     * The plan for a Podman whose {@code /libpod/info} says {@code info}; {@code marker} names the cgroup. Root's
     * service may make cgroups; a rootless one only under a cgroup v2 tree delegated to its user, which a systemd
     * user session gives (Podman then reports the systemd manager).
     */
    static PodmanRunStopper decide(String endpoint, JsonNode info, String marker, Path proc) {
        JsonNode host = info.path("host");
        String manager = host.path("cgroupManager").asText("");
        String version = host.path("cgroupVersion").asText("");
        JsonNode rootless = host.path("security").path("rootless");
        if (rootless.isBoolean() && (!rootless.asBoolean() || manager.equals("systemd") && version.equals("v2"))) {
            return new PodmanRunStopper(endpoint, marker, null, proc);
        }
        return none(endpoint, (rootless.asBoolean(false) ? "rootless Podman" : "Podman (rootless or not: its info does"
                + " not say)") + " with the cgroup manager " + (manager.isEmpty() ? "(unknown)" : manager) + " on cgroup "
                + (version.isEmpty() ? "(unknown version)" : version) + " runs builds in its own cgroup, where the"
                + " engine cannot tell this build's processes from others'");
    }

    private static PodmanRunStopper none(String endpoint, String why) {
        return new PodmanRunStopper(endpoint, null, why, null);
    }

    private static JsonNode info(DaemonConnection daemon) throws IOException {
        DockerHttpClient.Request req = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path("/v" + daemon.product().version() + "/libpod/info")
                .build();
        try (DockerHttpClient.Response r = daemon.call(req)) {
            if (r.getStatusCode() != 200) {
                throw new IOException("HTTP " + r.getStatusCode());
            }
            return Json.read(r.getBody());
        }
    }

    private static String randomMarker() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return PREFIX + HexFormat.of().formatHex(b);
    }

    /**
     * The build's {@code cgroupparent}: its cgroup's name, which Buildah hands the runtime as a relative cgroupfs
     * path; null when none is asked for.
     */
    String cgroupParent() {
        return marker;
    }

    /** The name of the build's cgroup (the last segment of its path); null without one. */
    String marker() {
        return marker;
    }

    /**
     * Whether {@code failure} is the OCI runtime refusing the build's cgroup: Buildah's line that creating the step's
     * container failed names the cgroup (the step's command never ran). Then the build is run again without one, and
     * this endpoint gets none again. What the step printed itself does not count: a step may print its cgroup.
     */
    boolean refusedBy(ContainerEngineException failure) {
        if (marker == null || !(failure instanceof BuildFailedException b)) {
            return false;
        }
        for (String line : b.lastLines()) {
            if (line.contains(marker) && line.contains(" creating container for ")) {
                REFUSED.add(endpoint);
                return true;
            }
        }
        return false;
    }

    /** The same Podman without a cgroup of the build's own, after the runtime refused one. */
    PodmanRunStopper withoutCgroup(String why) {
        return none(endpoint, why);
    }

    /**
     * After an abort: kills what runs in the build's cgroup on this host until nothing has been seen there for
     * a short while, and says in {@code events} what was done. Never throws; a further interrupt ends it early and
     * is kept.
     */
    void stopAfterAbort(EventSink events) {
        if (marker == null) {
            events.accept(new EngineEvent.Warning("The running RUN step of the aborted build, if one was running, goes"
                    + " on to its end on Podman (" + whyNone + "); Buildah then stops the build. A step that never"
                    + " ends has to be stopped on the Podman host."));
            return;
        }
        events.accept(report(stop()));
    }

    /** What the log says of a stop. */
    EngineEvent report(Outcome o) {
        Set<Long> gone = new LinkedHashSet<>(o.killed());
        gone.addAll(o.refused());
        gone.addAll(o.ended());
        o.remaining().forEach(gone::remove);
        if (gone.isEmpty() && o.remaining().isEmpty()) {
            return new EngineEvent.Phase("Found no process of the aborted build's cgroup " + marker + " in this host's"
                    + " /proc: no RUN step was running, or Podman runs where this agent cannot see its processes"
                    + " (another PID namespace, such as an agent container given the host's Podman socket), and there a"
                    + " running step goes on to its end");
        }
        if (o.remaining().isEmpty()) {
            if (o.killed().isEmpty() && o.monitors().isEmpty()) {
                return new EngineEvent.Phase("The aborted build's RUN step ended by itself" + (o.refused().isEmpty()
                        ? " (its processes in the cgroup " + marker + " ended before they were signalled)"
                        : " (its processes in the cgroup " + marker + " could not be signalled)"));
            }
            return new EngineEvent.Phase("Stopped the aborted build's RUN step on Podman (" + gone.size()
                    + (gone.size() == 1 ? " process" : " processes") + " in its cgroup " + marker
                    + (o.monitors().isEmpty() ? "" : ", through Buildah's monitor") + ")");
        }
        String why;
        if (o.cutShort()) {
            why = "the stop was itself aborted; stop them on the host";
        } else if (o.killed().containsAll(o.remaining())) {
            why = "they still run " + TimeUnit.NANOSECONDS.toSeconds(CAP_NANOS) + " s after SIGKILL; stop them on"
                    + " the host";
        } else if (!o.monitors().isEmpty()) {
            why = "they still run after Buildah's monitor was asked to stop them; stop them on the host";
        } else {
            why = "they run as a user this engine may not signal (the engine runs as uid " + ownUid() + "); run the"
                    + " agent as the Podman service's user, or stop them on the host";
        }
        return new EngineEvent.Warning("The aborted build's RUN step could not be stopped: processes " + o.remaining()
                + " in its cgroup " + marker + " go on: " + why + " (kill -9 " + String.join(" ",
                o.remaining().stream().map(String::valueOf).toList()) + ").");
    }

    /**
     * What a stop did: processes sent SIGKILL, processes that refused it, monitors sent SIGTERM, processes found in
     * the cgroup that ended before they were signalled (the step's shell is the init of the container's PID
     * namespace: killing it has the kernel kill the rest), the processes still running at its end, and whether a
     * further interrupt ended it early.
     */
    record Outcome(Set<Long> killed, Set<Long> refused, Set<Long> monitors, Set<Long> ended, List<Long> remaining,
                   boolean cutShort) {}

    Outcome stop() {
        Set<Long> killed = new LinkedHashSet<>();
        Set<Long> refused = new LinkedHashSet<>();
        Set<Long> monitors = new LinkedHashSet<>();
        Set<Long> ended = new LinkedHashSet<>();
        List<Long> seen;
        long start = System.nanoTime();
        long lastSeen = start;
        long hopelessSince = -1;
        boolean interrupted = false;
        while (true) {
            seen = members();
            long now = System.nanoTime();
            if (!seen.isEmpty()) {
                lastSeen = now;
            }
            boolean signalled = false;
            for (long pid : seen) {
                Optional<ProcessHandle> p = ProcessHandle.of(pid);
                // the handle holds the process's start time, so a signal never reaches a later process of that pid;
                // checked again after taking it, in case the pid was reused since the scan
                if (p.isEmpty() || !inCgroup(read(proc.resolve(Long.toString(pid)).resolve("cgroup")), marker)) {
                    ended.add(pid);
                    continue;
                }
                if (kill.test(p.get())) {
                    killed.add(pid);
                    signalled = true;
                    continue;
                }
                refused.add(pid);
                Optional<ProcessHandle> monitor = p.get().parent().filter(PodmanRunStopper::isMonitor);
                // SIGTERM: the monitor has the runtime kill the container
                if (monitor.isPresent() && !monitors.contains(monitor.get().pid()) && term.test(monitor.get())) {
                    monitors.add(monitor.get().pid());
                }
            }
            if ((seen.isEmpty() && now - lastSeen >= QUIET_NANOS) || now - start >= CAP_NANOS) {
                break;
            }
            if (seen.isEmpty() || signalled || !monitors.isEmpty()) {
                hopelessSince = -1;
            } else if (hopelessSince < 0) {
                hopelessSince = now;
            } else if (now - hopelessSince >= HOPELESS_NANOS) {
                break; // neither the processes nor a monitor of theirs may be signalled: more rounds change nothing
            }
            if (Thread.interrupted()) { // a second abort: stop looking, keep the interrupt for the caller
                interrupted = true;
                break;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        refused.removeAll(killed);
        ended.removeAll(killed);
        ended.removeAll(refused);
        return new Outcome(killed, refused, monitors, ended, seen, interrupted);
    }

    /** The live (not zombie) processes of this host whose cgroup is the build's, in any hierarchy. */
    List<Long> members() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                if (inCgroup(read(p.resolve("cgroup")), marker) && !zombie(read(p.resolve("stat")))) {
                    pids.add(Long.parseLong(name));
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable: nothing found; the caller reports what it could do
        }
        return pids;
    }

    /**
     * Whether a {@code /proc/PID/cgroup} text puts the process in the cgroup {@code marker}: a path segment equal to
     * it, in any line ({@code ID:CONTROLLERS:PATH}).
     */
    static boolean inCgroup(String cgroupFile, String marker) {
        for (String line : cgroupFile.split("\n")) {
            int second = line.indexOf(':', line.indexOf(':') + 1);
            if (second < 0) {
                continue;
            }
            for (String segment : line.substring(second + 1).split("/")) {
                if (segment.equals(marker)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a {@code /proc/PID/stat} text is a zombie's: state {@code Z} (or {@code X}) after the command. */
    static boolean zombie(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return false;
        }
        char state = stat.charAt(close + 2);
        return state == 'Z' || state == 'X';
    }

    private static boolean isMonitor(ProcessHandle p) {
        String cmdline = read(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
        int nul = cmdline.indexOf('\0');
        String arg0 = nul < 0 ? cmdline : cmdline.substring(0, nul);
        return arg0.equals(MONITOR) || arg0.endsWith("/" + MONITOR);
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return ""; // the process ended while it was looked at
        }
    }

    private static String ownUid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return System.getProperty("user.name");
        }
    }
}
