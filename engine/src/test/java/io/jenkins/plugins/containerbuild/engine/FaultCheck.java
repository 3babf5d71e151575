package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindSidecar;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What every fault case must leave behind, checked after it: one clear error (a {@link ContainerEngineException}
 * with a message, no stack trace in it), no container or volume of the test's owner label or among the ids the test
 * recorded, no new temporary file with a name the engine or the test's helpers could create, no credential in the
 * error, its causes or the events; and then a build that succeeds.
 *
 * <p>Other helpers run tests on the same daemon at the same time, so the checks are scoped: by the unique owner
 * label value the test gives its sidecars, by ids and names recorded during the test, and by name prefixes.
 *
 * <p>Public for the CLI's and the plugin's tests, which check the same after an abort ({@link #begin(String)},
 * {@link #searchFilesFor}, {@link #assertNothingLeft()}).
 */
public final class FaultCheck {

    /** Names the engine, docker-java and these tests' helpers could give temporary files and directories. */
    private static final List<String> TEMP_PREFIXES = List.of("containerbuild", "docker-java", "lab-exec", "cb-",
            "context", "buildkit", "fidelity-export");

    private final Lab lab = Lab.get();
    private final Lab.Daemon daemon;
    private final String owner;
    private final Set<Path> tempBefore;
    private final DiskSnapshot tempFiles;
    private final Set<String> volumes = new LinkedHashSet<>();
    private final Set<String> containers = new LinkedHashSet<>();
    private final Set<Path> paths = new LinkedHashSet<>();
    private final Set<String> secretForms = new LinkedHashSet<>();

    private FaultCheck(String owner, Lab.Daemon daemon) {
        this.owner = owner;
        this.daemon = daemon;
        this.tempBefore = tempEntries();
        try {
            this.tempFiles = DiskSnapshot.takeTemporary();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts watching; {@code owner} is the owner label value the test gives its sidecars. */
    public static FaultCheck begin(String owner) {
        return new FaultCheck(owner, Lab.get().engine20());
    }

    /** Starts watching the containers and volumes of {@code daemon}. */
    public static FaultCheck begin(String owner, Lab.Daemon daemon) {
        return new FaultCheck(owner, daemon);
    }

    String owner() {
        return owner;
    }

    /** A container the test saw created (a sidecar), which must be gone at the end. */
    void recordContainer(String id) {
        containers.add(id);
    }

    /** A volume the test saw created (a sidecar's anonymous volume), which must be gone at the end. */
    void recordVolume(String name) {
        volumes.add(name);
    }

    /** A file or directory the test's fixtures made (a disposable registry's), which must be gone at the end. */
    public void recordPath(Path path) {
        paths.add(path);
    }

    /**
     * Forms of a secret the test gave (see {@link DiskSnapshot#forms(byte[])}, {@link DiskSnapshot#keyForms}):
     * {@link #assertNothingLeft()} also fails when a file new or changed in the temporary folders since
     * {@link #begin} holds one of them. Files the test itself writes after {@code begin} must not hold them.
     */
    public void searchFilesFor(Set<String> forms) {
        secretForms.addAll(forms);
    }

    /** The anonymous and named volumes mounted in a container, as the host daemon reports them. */
    static List<String> volumesOf(String containerId) {
        return Lab.get().docker("inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}",
                containerId).strip().lines().flatMap(l -> Stream.of(l.split(" "))).filter(s -> !s.isBlank()).toList();
    }

    /** Asserts everything this class promises about a failed case; {@code error} is what the engine threw. */
    void assertClean(Throwable error, RecordingSink events) {
        assertOneClearError(error);
        assertNoCredential(error, events);
        assertNothingLeft();
    }

    static void assertOneClearError(Throwable error) {
        assertThat(error).as("a user error, not a programming error").isInstanceOf(ContainerEngineException.class);
        String m = error.getMessage();
        assertThat(m).as("the error says what failed").isNotBlank();
        assertThat(m).as("no stack trace in the message").doesNotContain("\tat ").doesNotContain("\n\tat");
        assertThat(m).as("no raw Java class names in the message").doesNotContainPattern("\\b(java|javax|org|com)\\.[a-z]+\\.");
    }

    void assertNoCredential(Throwable error, RecordingSink events) {
        String password = lab.registryPassword();
        for (Throwable t = error; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as("no password in %s", t.getClass().getSimpleName())
                    .doesNotContain(password);
            assertThat(t.toString()).doesNotContain(password);
            for (Throwable s : t.getSuppressed()) {
                assertThat(s.toString()).doesNotContain(password);
            }
        }
        assertThat(events.allText()).as("no password in the events").doesNotContain(password);
        // the key by its content, not only by its PEM header: every line of the lab client key's base64 body
        List<String> keyLines = lab.clientTls().keyPem().lines()
                .filter(l -> !l.startsWith("-----") && l.length() >= 16).toList();
        assertThat(keyLines).isNotEmpty();
        for (Throwable t = error; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as("no key material").doesNotContain("PRIVATE KEY");
            for (String line : keyLines) {
                assertThat(t.toString()).as("no key material in %s", t.getClass().getSimpleName()).doesNotContain(line);
            }
        }
        assertThat(events.allText()).as("no key material in the events").doesNotContain("PRIVATE KEY");
        for (String line : keyLines) {
            assertThat(events.allText()).as("no key material in the events").doesNotContain(line);
        }
    }

    public void assertNothingLeft() {
        assertThat(daemon.docker("ps", "-aq", "--filter", "label=" + DindSidecar.OWNER_LABEL + "=" + owner).strip())
                .as("no container of owner %s", owner).isEmpty();
        assertThat(daemon.docker("volume", "ls", "-q", "--filter", "label=" + DindSidecar.OWNER_LABEL + "=" + owner).strip())
                .as("no volume of owner %s", owner).isEmpty();
        for (String id : containers) {
            assertThat(daemon.run(null, "ps", "-aq", "--no-trunc", "--filter", "id=" + id).stdout().strip())
                    .as("container %s is gone", id).isEmpty();
        }
        for (String v : volumes) {
            assertThat(daemon.tryRun("volume", "inspect", v).exitCode()).as("volume %s is gone", v).isNotZero();
        }
        for (Path p : paths) {
            assertThat(p).as("%s is removed", p).doesNotExist();
        }
        Set<Path> added = tempEntries();
        added.removeAll(tempBefore);
        if (!added.isEmpty()) {
            // another process's short-lived file (lab-exec) may be caught in passing: it goes within seconds, a file
            // the engine left stays
            try {
                Await.holdsWithin(Duration.ofSeconds(15), () -> {
                    added.retainAll(tempEntries());
                    return added.isEmpty();
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(added).as("no temporary file left in %s or /tmp", System.getProperty("java.io.tmpdir")).isEmpty();
        // and whatever its name: no file new or changed in the temporary folders holds the lab client key's body,
        // or a secret the test named
        try {
            Set<String> needles = new LinkedHashSet<>(DiskSnapshot.keyForms(lab.clientTls().keyPem()));
            needles.addAll(secretForms);
            assertThat(tempFiles.changedFilesContaining(needles))
                    .as("temporary files that hold the TLS key or a secret the test gave").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The names of this JVM's live session threads, platform and virtual ({@code containerbuild-session...}): the
     * virtual ones, which serve the session's streams, show only in a thread dump, not in
     * {@link Thread#getAllStackTraces()}.
     */
    public static List<String> sessionThreads() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cb-threads");
            Path dump = dir.resolve("threads.json");
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\"\\s*:\\s*\"(containerbuild-session[^\"]*)\"")
                    .matcher(Files.readString(dump));
            List<String> names = new ArrayList<>();
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                Lab.exec(List.of("rm", "-rf", dir.toString()), null, false);
            }
        }
    }

    /** Builds a small image of its own on {@code endpoint} (the next build after a fault) and removes it. */
    public static void assertNextBuildSucceeds(DaemonEndpoint endpoint, String baseImage, Path dir) throws Exception {
        String marker = LabSupport.unique("next-build");
        LabSupport.context(dir, "FROM " + baseImage + "\nRUN echo " + marker + " > /next\n");
        try (ContainerEngine engine = ContainerEngine.connect(endpoint, new RecordingSink())) {
            BuildResult result = engine.build(BuildRequest.builder(dir).networkMode("none").build());
            assertThat(result.imageId()).startsWith("sha256:");
            engine.remove(result.imageId());
        }
    }

    private static Set<Path> tempEntries() {
        Set<Path> found = new LinkedHashSet<>();
        for (Path dir : new LinkedHashSet<>(List.of(Path.of(System.getProperty("java.io.tmpdir")).normalize(), Path.of("/tmp")))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> TEMP_PREFIXES.stream().anyMatch(prefix -> p.getFileName().toString().startsWith(prefix)))
                        .forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new LinkedHashSet<>(new ArrayList<>(found));
    }
}
