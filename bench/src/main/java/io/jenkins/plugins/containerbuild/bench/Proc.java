package io.jenkins.plugins.containerbuild.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a command as a subprocess under GNU time, so that its client CPU time and peak RSS are known too. */
final class Proc {

    /** What one subprocess did: wall time measured here, CPU and max RSS from /usr/bin/time. */
    record Result(int exitCode, double seconds, double cpuSeconds, long maxRssKb, String stdout, String stderrTail) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private static final String TIME = "/usr/bin/time";

    private Proc() {}

    /** Starts the command under /usr/bin/time; its stdout and stderr go to files in {@code scratch}. */
    static Started start(List<String> command, Map<String, String> env, Path scratch) throws IOException {
        Files.createDirectories(scratch);
        Path timeFile = Files.createTempFile(scratch, "time", ".txt");
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        List<String> cmd = new ArrayList<>(List.of(TIME, "-f", "%e %U %S %M", "-o", timeFile.toString()));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DOCKER_HOST");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().putAll(env);
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        return new Started(p, t0, timeFile, out, err);
    }

    static Result run(List<String> command, Map<String, String> env, Path scratch) throws IOException, InterruptedException {
        return start(command, env, scratch).await();
    }

    /** A running subprocess. */
    record Started(Process process, long startNanos, Path timeFile, Path out, Path err) {
        Result await() throws IOException, InterruptedException {
            int code = process.waitFor();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double cpu = Double.NaN;
            long rss = -1;
            for (String line : Files.readAllLines(timeFile)) {
                String[] f = line.trim().split(" ");
                if (f.length == 4 && f[0].matches("[0-9.]+")) {
                    cpu = Double.parseDouble(f[1]) + Double.parseDouble(f[2]);
                    rss = Long.parseLong(f[3]);
                }
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            String tail = stderr.length() > 2000 ? stderr.substring(stderr.length() - 2000) : stderr;
            Files.deleteIfExists(timeFile);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return new Result(code, seconds, cpu, rss, stdout, tail);
        }
    }

    /** Runs a command without timing, for set-up and clean-up; fails loudly unless {@code mayFail}. */
    static String quiet(List<String> command, Map<String, String> env, boolean mayFail) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("DOCKER_HOST");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] all = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        String text = new String(all, StandardCharsets.UTF_8);
        if (code != 0 && !mayFail) {
            throw new IOException(String.join(" ", command) + " failed with " + code + ": " + text);
        }
        return text;
    }
}
