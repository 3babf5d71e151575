package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Measures the context tar against GNU tar on the same trees; not a test (Surefire runs *Test and *Properties only).
 * Run from the engine's test class path:
 * <pre>
 * java -cp engine/target/test-classes:engine/target/classes:$(cat cp.txt) \
 *     io.jenkins.plugins.containerbuild.engine.context.ContextStreamBench [--reps N] [--trees b,c,d] [--stream]
 * </pre>
 * The trees are generated under {@code /var/tmp/cb-stream-<pid>} (deleted at the end) like the benchmark's
 * contexts (b) and (c): files of 1 KiB, 100 per directory (and with {@code --trees d}, 4 files of 64 MiB); every mtime is set to a fixed time so that the tar, and
 * its SHA-256 printed here, is the same from one run to the next (to check that a change keeps the bytes identical).
 * The engine runs in this one JVM, warm after its first run (as in a Jenkins agent); the first (cold) run is reported
 * apart. Engine and tar runs are interleaved and medians taken. {@code --stream} also times {@link
 * BuildContext#openStream()} read in 4 KiB pieces, as the HTTP client reads the request body. {@code --warmup N}
 * (default 3) interleaved rounds run first and are not counted. The engine thread's CPU time is that of the tar
 * writer only (the walk runs on a thread of its own); the process CPU time also counts the walk, the JIT and the GC.
 */
public final class ContextStreamBench {

    private static final FileTime FIXED = FileTime.fromMillis(1_700_000_000_000L);
    private static final String DOCKERFILE = "FROM busybox:local\nCOPY . /ctx/\nRUN echo cb-bench > /built\n";

    private record Tree(String id, String label, int files, int bigFiles) {}

    private ContextStreamBench() {}

    public static void main(String[] args) throws Exception {
        int reps = 7;
        int warmup = 3;
        List<String> trees = List.of("b", "c");
        boolean stream = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--trees" -> trees = List.of(args[++i].split(","));
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--stream" -> stream = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path base = Paths.get("/var/tmp/cb-stream-" + ProcessHandle.current().pid());
        try {
            List<Tree> all = List.of(new Tree("b", "(b) 3,000 files", 3_000, 0),
                    new Tree("c", "(c) 50,000 files", 50_000, 0), new Tree("d", "(d') 4 x 64 MiB", 0, 4));
            System.out.printf("%-17s %10s %9s %8s %8s %7s %9s %s%n", "context", "tar bytes", "cold MB/s", "engine",
                    "tar -c", "ratio", stream ? "stream" : "", "sha256 of the engine's tar");
            for (Tree t : all) {
                if (trees.contains(t.id())) {
                    run(t, generate(base.resolve(t.id()), t.files(), t.bigFiles()), reps, warmup, stream);
                }
            }
        } finally {
            deleteTree(base);
        }
    }

    private static void run(Tree t, Path dir, int reps, int warmup, boolean stream) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile");
        // the first run in this JVM for this tree: the engine's code may still be interpreted (cold)
        long t0 = System.nanoTime();
        long bytes = writeTo(dir, dockerfile);
        double cold = (System.nanoTime() - t0) / 1e9;
        String sha = sha256(dir, dockerfile);
        List<Double> engine = new ArrayList<>();
        List<Double> tar = new ArrayList<>();
        List<Double> piped = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> user = new ArrayList<>();
        List<Double> process = new ArrayList<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int rep = 1 - warmup; rep <= reps; rep++) { // the warm-up runs are not counted
            long c = threads.getCurrentThreadCpuTime();
            long u = threads.getCurrentThreadUserTime();
            long pc = os.getProcessCpuTime();
            long s = System.nanoTime();
            long n = writeTo(dir, dockerfile);
            double e = (System.nanoTime() - s) / 1e9;
            double ec = (threads.getCurrentThreadCpuTime() - c) / 1e9;
            double eu = (threads.getCurrentThreadUserTime() - u) / 1e9;
            double ep = (os.getProcessCpuTime() - pc) / 1e9;
            if (n != bytes) {
                throw new IllegalStateException("tar size changed: " + n + " != " + bytes);
            }
            double g = gnuTar(dir);
            double p = stream ? readStream(dir, dockerfile, bytes) : 0;
            if (rep > 0) {
                engine.add(e);
                tar.add(g);
                piped.add(p);
                cpu.add(ec);
                user.add(eu);
                process.add(ep);
            }
        }
        double mb = bytes / 1e6;
        double em = mb / median(engine);
        double tm = mb / median(tar);
        System.out.printf("%-17s %10d %9.0f %8.0f %8.0f %6.0f%% %9s %s%n", t.label(), bytes, mb / cold, em, tm,
                100 * em / tm, stream ? String.format("%.0f", mb / median(piped)) : "", sha);
        System.out.printf("  samples s: engine %s | tar %s%s%n  engine thread CPU s, median %.3f (user %.3f): %s%n"
                        + "  process CPU s (all threads: the walk's, JIT, GC), median %.3f: %s%n",
                fmt(engine), fmt(tar), stream ? " | stream " + fmt(piped) : "", median(cpu), median(user), fmt(cpu),
                median(process), fmt(process));
    }

    private static long writeTo(Path dir, Path dockerfile) throws IOException {
        CountingNullStream sink = new CountingNullStream();
        BuildContext.of(dir, dockerfile).writeTo(sink);
        return sink.count;
    }

    private static double readStream(Path dir, Path dockerfile, long expected) throws IOException {
        long s = System.nanoTime();
        long n = 0;
        byte[] buf = new byte[4096]; // what httpclient5's InputStreamEntity reads with
        try (InputStream in = BuildContext.of(dir, dockerfile).openStream()) {
            for (int r; (r = in.read(buf)) >= 0; ) {
                n += r;
            }
        }
        if (n != expected) {
            throw new IllegalStateException("stream size " + n + " != " + expected);
        }
        return (System.nanoTime() - s) / 1e9;
    }

    private static String sha256(Path dir, Path dockerfile) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            BuildContext.of(dir, dockerfile).writeTo(out);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }

    private static double gnuTar(Path dir) throws Exception {
        long s = System.nanoTime();
        // through a pipe: GNU tar reads no file at all when its archive is /dev/null itself
        Process p = new ProcessBuilder("bash", "-c", "tar -C \"$1\" -cf - . | cat >/dev/null", "tar", dir.toString())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return (System.nanoTime() - s) / 1e9;
    }

    /**
     * Files of 1 KiB, 100 per directory under src/, like the benchmark's contexts, and files of 64 MiB of
     * pseudo-random bytes; fixed mtimes.
     */
    private static Path generate(Path dir, int files, int bigFiles) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Dockerfile"), DOCKERFILE);
        Files.writeString(dir.resolve("README.txt"), "cb-bench context\n");
        byte[] small = new byte[1024];
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path sub = dir.resolve("src").resolve(String.format("d%04d", i / 100));
            if (i % 100 == 0) {
                Files.createDirectories(sub);
                dirs.add(sub);
            }
            fill(small, i);
            Path f = sub.resolve(String.format("f%06d.txt", i));
            Files.write(f, small);
            Files.setLastModifiedTime(f, FIXED);
        }
        SplittableRandom random = new SplittableRandom(42);
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < bigFiles; i++) {
            Path f = dir.resolve(String.format("blob%02d.bin", i));
            try (OutputStream out = Files.newOutputStream(f)) {
                for (int mib = 0; mib < 64; mib++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                }
            }
            Files.setLastModifiedTime(f, FIXED);
        }
        for (Path p : List.of(dir.resolve("Dockerfile"), dir.resolve("README.txt"))) {
            Files.setLastModifiedTime(p, FIXED);
        }
        for (Path d : dirs) {
            Files.setLastModifiedTime(d, FIXED);
        }
        if (files > 0) {
            Files.setLastModifiedTime(dir.resolve("src"), FIXED);
        }
        return dir;
    }

    private static void fill(byte[] b, int n) {
        byte[] head = ("file " + n + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, b, 0, head.length);
        long x = n * 0x9E3779B97F4A7C15L + 1;
        for (int i = head.length; i < b.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) ('a' + (int) ((x >>> 33) % 26));
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String fmt(List<Double> xs) {
        StringBuilder sb = new StringBuilder();
        for (double x : xs) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format("%.3f", x));
        }
        return sb.toString();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static final class CountingNullStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
