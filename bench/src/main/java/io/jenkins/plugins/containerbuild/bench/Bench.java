package io.jenkins.plugins.containerbuild.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.containerbuild.bench.Report.Sample;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.BuildResult;
import io.jenkins.plugins.containerbuild.engine.BuilderKind;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.context.BuildContext;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmarks {@code bin/containerbuild} (and the engine in-process) against {@code /usr/bin/docker} on the same
 * daemon, the same contexts and the same builder, runs interleaved, medians from one run.
 *
 * <pre>
 * Bench --root REPO --work /var/tmp/cb-bench --out DIR [--quick] [--reps N] [--no-profile]
 *       [--socket PATH --daemon-name NAME]
 * </pre>
 *
 * <p>{@code --socket}: the daemon that every tool talks to (default the host daemon, {@code /var/run/docker.sock});
 * {@code bin/containerbuild} gets it as {@code --host}, the docker CLI as {@code -H}.
 */
public final class Bench {

    private static final String DOCKER_BIN = "/usr/bin/docker";
    static final String HOST_SOCKET = "/var/run/docker.sock";
    private static final String JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";
    private static final String REGISTRY = "localhost:5000";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IMAGE_ID = Pattern.compile("\"imageId\"\\s*:\\s*\"([^\"]+)\"");

    private final boolean quick;
    private final Path root;
    private final Path launcherRoot; // where bin/containerbuild and cli/target are: a frozen copy, see scripts/bench
    private final Path work;
    private final Path out;
    private final int reps;
    private final boolean profile;
    private final boolean streamingOnly; // only the context streaming cells, no builds
    private final String socket; // the daemon's unix socket, for all three tools
    private final String daemonName; // how the report names that daemon
    private final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private final Report report = new Report();
    private final Set<String> images = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    private final Path scratch;
    private ContainerEngine engine;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Instant started = Instant.now();

    private Bench(boolean quick, Path root, Path launcherRoot, Path work, Path out, int reps, boolean profile,
                  boolean streamingOnly, String socket, String daemonName) {
        this.quick = quick;
        this.socket = socket;
        this.daemonName = daemonName;
        this.streamingOnly = streamingOnly;
        this.root = root;
        this.launcherRoot = launcherRoot;
        this.work = work;
        this.out = out;
        this.reps = reps;
        this.profile = profile;
        this.scratch = work.resolve("scratch");
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean profile = true;
        boolean streamingOnly = false;
        Path root = Path.of(".").toAbsolutePath().normalize();
        Path work = Path.of("/var/tmp/cb-bench");
        Path out = null;
        Path launcherRoot = null;
        int reps = -1;
        String socket = HOST_SOCKET;
        String daemonName = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--no-profile" -> profile = false;
                case "--streaming-only" -> streamingOnly = true;
                case "--root" -> root = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--launcher-root" -> launcherRoot = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--work" -> work = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--socket" -> socket = args[++i];
                case "--daemon-name" -> daemonName = args[++i];
                default -> {
                    System.err.println("usage: Bench --root REPO [--work DIR] [--out DIR] [--quick] [--reps N] [--no-profile]"
                            + " [--streaming-only] [--socket PATH --daemon-name NAME]");
                    System.exit(2);
                }
            }
        }
        boolean hostDaemon = socket.equals(HOST_SOCKET);
        if (out == null) { // a run on another daemon never overwrites the host daemon's table
            out = quick ? root.resolve(hostDaemon ? "bench/target/quick" : "bench/target/quick-other-daemon")
                    : root.resolve(hostDaemon ? "docs/bench" : "bench/target/other-daemon");
        }
        if (reps < 1) {
            reps = quick ? 1 : 5;
        }
        if (daemonName == null) {
            daemonName = hostDaemon ? "Engine 20.10 (host daemon)" : socket;
        }
        new Bench(quick, root, launcherRoot != null ? launcherRoot : root, work, out, reps, profile && !quick && !streamingOnly,
                streamingOnly, socket, daemonName).run();
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        Files.createDirectories(scratch);
        log("run %s: %s, %d repetition(s) per cell, daemon %s on %s, out %s", runId, mode(), reps, daemonName, socket, out);
        report.notes.add("daemon: " + daemonName + " on unix://" + socket + " (" + daemonVersion() + "); the docker"
                + " column is the docker CLI 20.10 (" + DOCKER_BIN + ") on the same daemon");
        Set<String> cacheBefore = buildCacheIds();
        // interrupted (Ctrl-C, kill): still remove the images made so far
        Thread cleaner = new Thread(() -> {
            try {
                cleanImages();
            } catch (Exception ignored) {
                // best effort
            }
        });
        Runtime.getRuntime().addShutdownHook(cleaner);
        engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(Path.of(socket)), EventSink.discard());
        try {
            List<Contexts.Spec> specs = quick
                    ? List.of(new Contexts.Spec("tiny", "(a) tiny", 0, 0, 0, 0, true),
                              new Contexts.Spec("mixed-16m", "(q) 500 files + 16 MiB", 500, 1024, 1, 16L << 20, true))
                    // in-process runs of (c) and (d) are left out to keep the run short: the daemon dominates
                    // them, and the profile step times warm in-process builds of both
                    : List.of(new Contexts.Spec("tiny", "(a) tiny", 0, 0, 0, 0, true),
                              new Contexts.Spec("files-3k", "(b) 3,000 files", 3_000, 1024, 0, 0, true),
                              new Contexts.Spec("files-50k", "(c) 50,000 files", 50_000, 1024, 0, 0, false),
                              new Contexts.Spec("big-1g", "(d) 1 GiB in 4 files", 0, 0, 4, 256L << 20, false));
            Map<String, Path> dirs = new java.util.LinkedHashMap<>();
            for (Contexts.Spec s : specs) {
                long t0 = System.nanoTime();
                dirs.put(s.id(), Contexts.generate(work.resolve("ctx"), s));
                log("context %s generated in %.1f s", s.label(), (System.nanoTime() - t0) / 1e9);
            }
            if (!streamingOnly) {
                startup();
                warmUp(dirs.get("tiny"), quick ? List.of(Report.INPROC) : List.of(Report.CB, Report.DOCKER, Report.INPROC));
            }
            streaming(specs, dirs);
            for (BuilderKind builder : streamingOnly ? List.<BuilderKind>of() : List.of(BuilderKind.CLASSIC, BuilderKind.BUILDKIT)) {
                for (Contexts.Spec s : specs) {
                    buildCells(s, dirs.get(s.id()), builder, cacheBefore);
                }
            }
            if (!streamingOnly) {
                parallel(dirs.get("tiny"), "(a) tiny", quick ? 4 : 8);
                push(quick ? 10_000_000L : 200_000_000L);
            }
            if (profile) {
                profile(dirs.get("tiny"), dirs.get("files-50k"), dirs.get("big-1g"));
            }
        } finally {
            engine.close();
            cleanImages();
            pruneBuildCache(cacheBefore);
        }
        Duration took = Duration.between(started, Instant.now());
        report.notes.add("run " + runId + " on " + Instant.now() + ", " + mode() + ", took "
                + took.toMinutes() + " min " + took.toSecondsPart() + " s; " + Runtime.getRuntime().availableProcessors()
                + " CPUs, other work running on the machine at the same time");
        writeOutputs();
        System.out.println(report.markdown());
        log("wrote %s, %s and %s", out.resolve("results.md"), out.resolve("results.csv"), out.resolve("ratios.svg"));
        boolean failed = report.memory.stream().anyMatch(m -> !m.ok());
        if (failed) {
            System.exit(1);
        }
    }

    private String mode() {
        return streamingOnly ? "streaming only" : quick ? "quick" : "full";
    }

    /** Writes the table, the CSV and the chart of what was measured so far (after every cell, and at the end). */
    private void writeOutputs() throws IOException {
        Files.writeString(out.resolve("results.md"), report.markdown());
        report.writeCsv(out.resolve("results.csv"));
        if (!report.samples.isEmpty()) {
            Files.writeString(out.resolve("ratios.svg"), report.svg("bin/containerbuild vs docker CLI 20.10"
                    + (socket.equals(HOST_SOCKET) ? "" : ", " + daemonName) + (quick ? " (quick smoke)" : "")));
        }
    }

    // ------------------------------------------------------------------ the three tools

    private List<String> cbBuild(Path ctx, String tag, BuilderKind builder, boolean noCache) {
        List<String> cmd = new ArrayList<>(List.of(launcherRoot.resolve("bin/containerbuild").toString(), "build",
                "--context", ctx.toString(), "--tag", tag, "--builder", builder.toString(), "--network", "none", "--json",
                "--host", "unix://" + socket));
        if (noCache) {
            cmd.add("--no-cache");
        }
        return cmd;
    }

    private List<String> dockerBuild(Path ctx, String tag, boolean noCache, Path iidFile) {
        List<String> cmd = docker("build", "--network", "none", "-t", tag, "--iidfile", iidFile.toString());
        if (noCache) {
            cmd.add("--no-cache");
        }
        cmd.add(ctx.toString());
        return cmd;
    }

    private static Map<String, String> dockerEnv(BuilderKind builder) {
        return Map.of("DOCKER_BUILDKIT", builder == BuilderKind.BUILDKIT ? "1" : "0");
    }

    private static Map<String, String> cbEnv() {
        return Map.of("JAVA_HOME", JDK);
    }

    /** One timed build by one tool; the image id is remembered for the clean-up. */
    private Sample buildOnce(String tool, String scenario, Path ctx, BuilderKind builder, boolean noCache, int rep)
            throws Exception {
        String cache = noCache ? "cold" : "warm";
        String tag = "cb-bench/" + ctx.getFileName() + ":" + tool + "-" + builder;
        images.add(tag);
        for (int attempt = 0; ; attempt++) {
            switch (tool) {
                case Report.CB -> {
                    Proc.Result r = Proc.run(cbBuild(ctx, tag, builder, noCache), cbEnv(), scratch);
                    check(r, tool, scenario);
                    if (r.stderrTail().contains("building the CLI first") && attempt == 0) {
                        log("  the launcher rebuilt the CLI (a source or pom changed): run repeated");
                        continue;
                    }
                    Matcher m = IMAGE_ID.matcher(r.stdout());
                    if (m.find()) {
                        images.add(m.group(1));
                    }
                    return new Sample(scenario, builder.toString(), cache, tool, rep, r.seconds(), r.cpuSeconds(), r.maxRssKb());
                }
                case Report.DOCKER -> {
                    Path iid = scratch.resolve("iid-" + runId);
                    Files.deleteIfExists(iid);
                    Proc.Result r = Proc.run(dockerBuild(ctx, tag, noCache, iid), dockerEnv(builder), scratch);
                    check(r, tool, scenario);
                    if (Files.exists(iid)) {
                        images.add(Files.readString(iid).trim());
                    }
                    return new Sample(scenario, builder.toString(), cache, tool, rep, r.seconds(), r.cpuSeconds(), r.maxRssKb());
                }
                default -> {
                    BuildRequest req = BuildRequest.builder(ctx).tag(tag).builderKind(builder).networkMode("none")
                            .noCache(noCache).build();
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    BuildResult result = engine.build(req);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    images.add(result.imageId());
                    return new Sample(scenario, builder.toString(), cache, tool, rep, secs, cpu, -1);
                }
            }
        }
    }

    private static void check(Proc.Result r, String tool, String scenario) throws IOException {
        if (!r.ok()) {
            throw new IOException(tool + " failed in " + scenario + " (exit " + r.exitCode() + "):\n" + r.stderrTail());
        }
    }

    private void warmUp(Path tiny, List<String> tools) throws Exception {
        log("warm-up (not counted): one tiny build per tool and builder");
        for (BuilderKind b : List.of(BuilderKind.CLASSIC, BuilderKind.BUILDKIT)) {
            for (String tool : tools) {
                buildOnce(tool, "warm-up", tiny, b, false, 0);
            }
        }
    }

    // ------------------------------------------------------------------ build cells

    private void buildCells(Contexts.Spec spec, Path ctx, BuilderKind builder, Set<String> cacheBefore) throws Exception {
        List<String> tools = spec.inProcess() ? List.of(Report.CB, Report.DOCKER, Report.INPROC)
                : List.of(Report.CB, Report.DOCKER);
        // cold: --no-cache, interleaved
        cell(spec.label(), ctx, builder, true, tools);
        // warm: no-op rebuilds; the cold runs just made the cache (BuildKit keeps cache records of --no-cache
        // builds); a first run that still missed would be one outlier of the median
        cell(spec.label(), ctx, builder, false, tools);
        if (builder == BuilderKind.CLASSIC && (spec.smallFiles() >= 10_000 || spec.bigFiles() > 0)) {
            // classic: every build streams the whole context as a tar (a BuildKit rebuild through the session
            // sends only what changed, which for the same tree is nothing)
            memory(spec, ctx);
        }
        cleanImages();
        if (builder == BuilderKind.BUILDKIT) {
            pruneBuildCache(cacheBefore); // the cold runs of the big contexts leave gigabytes of BuildKit cache
        }
    }

    private void cell(String scenario, Path ctx, BuilderKind builder, boolean noCache, List<String> tools) throws Exception {
        long t0 = System.nanoTime();
        List<Sample> mine = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            for (String tool : tools) {
                Sample s = buildOnce(tool, scenario, ctx, builder, noCache, rep);
                mine.add(s);
                report.samples.add(s);
            }
        }
        StringBuilder line = new StringBuilder();
        for (String tool : tools) {
            line.append(String.format(Locale.ROOT, " %s %.2fs", tool, Report.median(
                    mine.stream().filter(s -> s.tool().equals(tool)).map(Sample::seconds).toList())));
        }
        log("%-22s %-8s %-4s%s  (%.0f s)", scenario, builder, noCache ? "cold" : "warm", line,
                (System.nanoTime() - t0) / 1e9);
        writeOutputs(); // a long run that is interrupted keeps what it measured
    }

    // ------------------------------------------------------------------ memory

    private static final Pattern GC_BEFORE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    /** The heap at exit, one line per generation (gc+exit); Metaspace's "used" is not heap and not matched. */
    private static final Pattern EXIT_USED = Pattern.compile(
            "(?:DefNew|Tenured|PSYoungGen|ParOldGen|garbage-first heap)\\s+total \\d+K, used (\\d+)K");

    private void memory(Contexts.Spec spec, Path ctx) throws Exception {
        for (String heap : quick ? List.of("-Xmx64m") : List.of("default", "-Xmx64m")) {
            Path gcDir = Files.createTempDirectory(scratch, "gc");
            String opts = ("default".equals(heap) ? "" : heap + " ") + "-Xlog:gc,gc+exit:file=" + gcDir + "/gc-%p.log";
            String tag = "cb-bench/" + ctx.getFileName() + ":memory";
            images.add(tag);
            Proc.Result r = Proc.run(cbBuild(ctx, tag, BuilderKind.CLASSIC, false),
                    Map.of("JAVA_HOME", JDK, "JAVA_TOOL_OPTIONS", opts), scratch);
            double peak = 0;
            try (var files = Files.list(gcDir)) {
                for (Path f : files.toList()) {
                    String text = Files.readString(f);
                    Matcher m = GC_BEFORE.matcher(text);
                    while (m.find()) {
                        peak = Math.max(peak, Double.parseDouble(m.group(1)));
                    }
                    Matcher e = EXIT_USED.matcher(text);
                    double atExit = 0;
                    while (e.find()) {
                        atExit += Double.parseDouble(e.group(1)) / 1024;
                    }
                    peak = Math.max(peak, atExit);
                    Files.delete(f);
                }
            }
            Files.delete(gcDir);
            Matcher m = IMAGE_ID.matcher(r.stdout());
            if (m.find()) {
                images.add(m.group(1));
            }
            Report.Memory mem = new Report.Memory(spec.label(), heap, r.ok(), peak, r.maxRssKb() / 1024.0, r.seconds());
            report.memory.add(mem);
            log("memory %s %s: %s, peak heap %.1f MiB, max RSS %.0f MiB", spec.label(), heap, r.ok() ? "ok" : "FAILED",
                    peak, r.maxRssKb() / 1024.0);
            if (!r.ok()) {
                log("  %s", r.stderrTail());
            }
        }
    }

    // ------------------------------------------------------------------ streaming

    /** Untimed passes of the engine over a tree before the timed ones, as an agent's JVM has after some builds. */
    private static final int STREAM_WARMUPS = 10;

    private void streaming(List<Contexts.Spec> specs, Map<String, Path> dirs) throws Exception {
        for (Contexts.Spec s : specs) {
            if (s.id().equals("tiny")) {
                continue;
            }
            Path dir = dirs.get(s.id());
            // the first pass over this tree in this JVM: what a fresh process (the CLI) gets, JIT still cold
            long bytes = streamOnce(dir).count;
            double first = streamSeconds;
            // JIT warm-up (bounded in time for the big trees), then interleaved timed passes
            long warmEnd = System.nanoTime() + 3_000_000_000L;
            for (int i = 0; i < STREAM_WARMUPS && System.nanoTime() < warmEnd; i++) {
                streamOnce(dir);
            }
            List<Double> engineT = new ArrayList<>();
            List<Double> tarT = new ArrayList<>();
            for (int rep = 0; rep <= reps; rep++) { // rep 0 of tar warms the page cache for it, not counted
                streamOnce(dir);
                double e = streamSeconds;
                // through a pipe: GNU tar does not read the files at all when its archive is /dev/null itself
                Proc.Result r = Proc.run(List.of("bash", "-c", "tar -C \"$1\" -cf - . | cat >/dev/null", "tar", dir.toString()),
                        Map.of(), scratch);
                check(r, "tar", s.label());
                if (rep > 0) {
                    engineT.add(e);
                    tarT.add(r.seconds());
                }
            }
            double mb = bytes / 1e6;
            Report.Stream st = new Report.Stream(s.label(), bytes, mb / Report.median(engineT), mb / Report.median(tarT),
                    mb / first);
            report.streams.add(st);
            log("streaming %s: engine %.0f MB/s (first pass %.0f MB/s), tar %.0f MB/s (%s)", s.label(), st.engineMBps(),
                    st.firstPassMBps(), st.tarMBps(), Report.pct(st.ratio()));
        }
    }

    private double streamSeconds;

    private Contexts.CountingNullStream streamOnce(Path dir) throws IOException {
        Contexts.CountingNullStream sink = new Contexts.CountingNullStream();
        long t0 = System.nanoTime();
        BuildContext.of(dir, dir.resolve("Dockerfile")).writeTo(sink);
        streamSeconds = (System.nanoTime() - t0) / 1e9;
        return sink;
    }

    // ------------------------------------------------------------------ start-up

    private void startup() throws Exception {
        List<Double> launcher = new ArrayList<>();
        List<Double> direct = new ArrayList<>();
        List<Double> dockerV = new ArrayList<>();
        String cp = launcherRoot.resolve("cli/target/container-build-cli.jar") + ":" + launcherRoot.resolve("cli/target/lib") + "/*";
        int n = Math.max(3, reps);
        for (int i = 0; i <= n; i++) {
            Proc.Result a = Proc.run(List.of(launcherRoot.resolve("bin/containerbuild").toString(), "--help"), cbEnv(), scratch);
            Proc.Result b = Proc.run(List.of(JDK + "/bin/java", "-cp", cp,
                    "io.jenkins.plugins.containerbuild.cli.ContainerBuildCli", "--help"), Map.of(), scratch);
            Proc.Result c = Proc.run(List.of(DOCKER_BIN, "--help"), Map.of(), scratch);
            if (i > 0) { // the first round may include a rebuild by the launcher
                launcher.add(a.seconds());
                direct.add(b.seconds());
                dockerV.add(c.seconds());
            }
        }
        report.startup.add(new Report.Startup("bin/containerbuild --help (bash launcher + JVM)", Report.median(launcher)));
        report.startup.add(new Report.Startup("java -cp ... ContainerBuildCli --help (JVM alone)", Report.median(direct)));
        report.startup.add(new Report.Startup("docker --help", Report.median(dockerV)));
        log("start-up: launcher %.2fs, java alone %.2fs, docker %.2fs", Report.median(launcher), Report.median(direct),
                Report.median(dockerV));
    }

    // ------------------------------------------------------------------ parallel

    private void parallel(Path ctx, String label, int n) throws Exception {
        String scenario = n + " parallel, " + label;
        BuilderKind builder = BuilderKind.BUILDKIT;
        long t0 = System.nanoTime();
        List<Sample> mine = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            for (String tool : List.of(Report.CB, Report.DOCKER, Report.INPROC)) {
                long start = System.nanoTime();
                double cpu = 0;
                if (tool.equals(Report.INPROC)) {
                    long cpu0 = os.getProcessCpuTime();
                    ExecutorService pool = Executors.newFixedThreadPool(n);
                    try {
                        List<Future<BuildResult>> fs = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            String tag = "cb-bench/parallel-" + i + ":" + tool;
                            images.add(tag);
                            BuildRequest req = BuildRequest.builder(ctx).tag(tag).builderKind(builder).networkMode("none")
                                    .noCache(true).build();
                            fs.add(pool.submit(() -> engine.build(req)));
                        }
                        for (Future<BuildResult> f : fs) {
                            images.add(f.get().imageId());
                        }
                    } finally {
                        pool.shutdown();
                    }
                    cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                } else {
                    List<Proc.Started> ps = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        String tag = "cb-bench/parallel-" + i + ":" + tool;
                        images.add(tag);
                        ps.add(tool.equals(Report.CB)
                                ? Proc.start(cbBuild(ctx, tag, builder, true), cbEnv(), scratch)
                                : Proc.start(dockerBuild(ctx, tag, true, scratch.resolve("iid-par-" + i)), dockerEnv(builder), scratch));
                    }
                    for (Proc.Started p : ps) {
                        Proc.Result r = p.await();
                        check(r, tool, scenario);
                        cpu += r.cpuSeconds();
                    }
                }
                Sample s = new Sample(scenario, builder.toString(), "cold", tool, rep, (System.nanoTime() - start) / 1e9, cpu, -1);
                mine.add(s);
                report.samples.add(s);
            }
        }
        log("%s: %s (%.0f s)", scenario, summary(mine), (System.nanoTime() - t0) / 1e9);
        cleanImages();
    }

    // ------------------------------------------------------------------ push

    private void push(long bytes) throws Exception {
        Path ctx = Contexts.pushContext(work.resolve("ctx"), bytes);
        String scenario = "push " + (bytes / 1_000_000) + " MB random";
        long t0 = System.nanoTime();
        List<Sample> mine = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            for (String tool : List.of(Report.CB, Report.DOCKER, Report.INPROC)) {
                // a fresh repository and fresh random content every run: no blob can be mounted or skipped
                String tag = REGISTRY + "/cb-bench/push-" + runId + "-" + rep + "-" + tool + ":1";
                Proc.quiet(docker("build", "-q", "--network", "none", "--no-cache",
                        "--build-arg", "NONCE=" + runId + rep + tool + System.nanoTime(), "-t", tag, ctx.toString()),
                        Map.of("DOCKER_BUILDKIT", "0"), false);
                images.add(tag);
                Sample s;
                switch (tool) {
                    case Report.CB -> {
                        Proc.Result r = Proc.run(List.of(launcherRoot.resolve("bin/containerbuild").toString(), "push", "--tag", tag,
                                "--json", "--host", "unix://" + socket), cbEnv(), scratch);
                        check(r, tool, scenario);
                        s = new Sample(scenario, "-", "fresh repo", tool, rep, r.seconds(), r.cpuSeconds(), r.maxRssKb());
                    }
                    case Report.DOCKER -> {
                        Proc.Result r = Proc.run(docker("push", tag), Map.of(), scratch);
                        check(r, tool, scenario);
                        // the base layer (busybox) is mounted from an earlier repository; the random layer must be
                        // uploaded: one "Pushed" line at least
                        if (!r.stdout().contains("Pushed")) {
                            report.notes.add("docker push of " + tag + " uploaded no layer: " + r.stdout().strip());
                        }
                        s = new Sample(scenario, "-", "fresh repo", tool, rep, r.seconds(), r.cpuSeconds(), r.maxRssKb());
                    }
                    default -> {
                        long cpu0 = os.getProcessCpuTime();
                        long start = System.nanoTime();
                        engine.push(PushRequest.builder().tag(tag).retries(0).build());
                        s = new Sample(scenario, "-", "fresh repo", tool, rep, (System.nanoTime() - start) / 1e9,
                                (os.getProcessCpuTime() - cpu0) / 1e9, -1);
                    }
                }
                mine.add(s);
                report.samples.add(s);
                Proc.quiet(docker("rmi", "-f", tag), Map.of(), true);
                images.remove(tag);
            }
        }
        log("%s: %s (%.0f s)", scenario, summary(mine), (System.nanoTime() - t0) / 1e9);
    }

    // ------------------------------------------------------------------ profile

    /** A JFR recording of the in-process engine on the contexts where it spends the most time. */
    private void profile(Path tiny, Path files50k, Path big) throws Exception {
        Path jfr = scratch.resolve("engine.jfr");
        List<String> lines = new ArrayList<>();
        // 1. the CLI process itself on a warm tiny build: where do its seconds of CPU go?
        Path cliJfr = scratch.resolve("cli.jfr");
        String tag0 = "cb-bench/profile:cli";
        images.add(tag0);
        Proc.Result cli = Proc.run(cbBuild(tiny, tag0, BuilderKind.BUILDKIT, false), Map.of("JAVA_HOME", JDK,
                "JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + cliJfr + ",settings=profile"), scratch);
        check(cli, Report.CB, "profile");
        lines.add("== 1. bin/containerbuild build of (a) tiny, BuildKit, warm, with JFR: "
                + String.format(Locale.ROOT, "%.2f s wall, %.2f s CPU", cli.seconds(), cli.cpuSeconds()));
        lines.addAll(Profile.summarize(cliJfr));
        lines.addAll(Profile.classLoading(cliJfr));
        Files.deleteIfExists(cliJfr);
        lines.add("");
        // 2. the context tar of 50,000 small files, in-process
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
            rec.start();
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                BuildContext.of(files50k, files50k.resolve("Dockerfile")).writeTo(java.io.OutputStream.nullOutputStream());
            }
            lines.add("== 2. BuildContext.writeTo of (c) 50,000 files to a null stream, 3 times: "
                    + String.format(Locale.ROOT, "%.2f s", (System.nanoTime() - t0) / 1e9));
            rec.stop();
            rec.dump(jfr);
        }
        lines.addAll(Profile.summarize(jfr));
        lines.add("");
        lines.add("== 3. warm in-process builds of (c) and (d), engine JVM profiled");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
            rec.start();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (Path ctx : List.of(files50k, big)) {
                for (BuilderKind b : List.of(BuilderKind.BUILDKIT, BuilderKind.CLASSIC)) {
                    String tag = "cb-bench/profile:" + b;
                    images.add(tag);
                    long s0 = System.nanoTime();
                    long c0 = os.getProcessCpuTime();
                    BuildResult r = engine.build(BuildRequest.builder(ctx).tag(tag).builderKind(b).networkMode("none").build());
                    images.add(r.imageId());
                    lines.add(String.format(Locale.ROOT, "warm %s build of %s: %.2f s wall, %.2f s JVM CPU", b,
                            ctx.getFileName(), (System.nanoTime() - s0) / 1e9, (os.getProcessCpuTime() - c0) / 1e9));
                }
            }
            lines.add(String.format(Locale.ROOT, "total: %.2f s wall, %.2f s JVM CPU (all threads)",
                    (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9));
            rec.stop();
            rec.dump(jfr);
        }
        lines.add("");
        lines.addAll(Profile.summarize(jfr));
        Files.write(out.resolve("profile.txt"), lines);
        Files.deleteIfExists(jfr);
        log("profile written to %s", out.resolve("profile.txt"));
        cleanImages();
    }

    // ------------------------------------------------------------------ clean-up

    private synchronized void cleanImages() throws Exception {
        if (images.isEmpty()) {
            return;
        }
        List<String> cmd = docker("rmi", "-f");
        synchronized (images) {
            cmd.addAll(images);
        }
        Proc.quiet(cmd, Map.of(), true);
        images.clear();
    }

    /** The ids of the daemon's BuildKit cache records. */
    private Set<String> buildCacheIds() throws Exception {
        return buildCacheIds(0);
    }

    private Set<String> buildCacheIds(long minSize) throws Exception {
        String json = Proc.quiet(List.of("curl", "-sf", "--unix-socket", socket, "http://docker/system/df"), Map.of(), false);
        Set<String> ids = new HashSet<>();
        JsonNode cache = JSON.readTree(json).path("BuildCache");
        for (JsonNode r : cache) {
            if (r.path("Size").asLong() < minSize) {
                continue;
            }
            ids.add(r.path("ID").asText());
        }
        return ids;
    }

    /**
     * Prunes the large BuildKit cache records (1 MB or more) made since the run began, by id, never the whole cache.
     * The benchmark's contexts make records of megabytes to gigabytes; the small records that builds running
     * meanwhile on the same daemon (other people's tests) make are left alone, so that their cache stays warm.
     */
    private void pruneBuildCache(Set<String> before) throws Exception {
        Set<String> now = buildCacheIds(1_000_000);
        now.removeAll(before);
        if (now.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(now);
        long reclaimed = 0;
        for (int round = 0; round < 2; round++) { // children first frees their parents for the next round
            for (String id : ids) { // one id per call: the daemon ANDs the values of one filter key
                Map<String, List<String>> filter = Map.of("id", List.of(id));
                String q = URLEncoder.encode(JSON.writeValueAsString(filter), StandardCharsets.UTF_8);
                String res = Proc.quiet(List.of("curl", "-s", "--unix-socket", socket, "-X", "POST",
                        "http://docker/build/prune?filters=" + q), Map.of(), true);
                try {
                    reclaimed += JSON.readTree(res).path("SpaceReclaimed").asLong();
                } catch (IOException ignored) {
                    // not JSON: reported below through the remaining size
                }
            }
        }
        log("pruned %d BuildKit cache records made by this run (%.0f MB)", ids.size(), reclaimed / 1e6);
    }

    // ------------------------------------------------------------------ util

    /** A docker CLI command line against the benchmark's daemon. */
    private List<String> docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER_BIN, "-H", "unix://" + socket));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The daemon's version, API version and BuildKit-relevant facts, as {@code GET /version} gives them. */
    private String daemonVersion() throws Exception {
        JsonNode v = JSON.readTree(Proc.quiet(List.of("curl", "-sf", "--unix-socket", socket, "http://docker/version"),
                Map.of(), false));
        JsonNode info = JSON.readTree(Proc.quiet(List.of("curl", "-sf", "--unix-socket", socket, "http://docker/info"),
                Map.of(), false));
        return "Docker Engine " + v.path("Version").asText() + ", API " + v.path("ApiVersion").asText()
                + ", storage driver " + info.path("Driver").asText();
    }

    private static String summary(List<Sample> samples) {
        StringBuilder b = new StringBuilder();
        for (String tool : List.of(Report.CB, Report.DOCKER, Report.INPROC)) {
            b.append(String.format(Locale.ROOT, "%s %.2fs ", tool, Report.median(
                    samples.stream().filter(s -> s.tool().equals(tool)).map(Sample::seconds).toList())));
        }
        return b.toString().trim();
    }

    private void log(String format, Object... args) {
        long s = Duration.between(started, Instant.now()).toSeconds();
        System.err.printf(Locale.ROOT, "[bench %3d:%02d] %s%n", s / 60, s % 60, String.format(Locale.ROOT, format, args));
    }
}
