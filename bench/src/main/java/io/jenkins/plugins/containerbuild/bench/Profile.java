package io.jenkins.plugins.containerbuild.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/** Reads a JFR recording and lists where the threads were: top frames and threads of the samples. */
final class Profile {

    private Profile() {}

    static List<String> summarize(Path jfr) throws IOException {
        Map<String, Integer> cpuTop = new HashMap<>();
        Map<String, Integer> cpuThreads = new HashMap<>();
        Map<String, Integer> cpuEngine = new HashMap<>();
        Map<String, Integer> nativeTop = new HashMap<>();
        int cpuSamples = 0;
        int nativeSamples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            boolean cpu = type.equals("jdk.ExecutionSample");
            boolean nat = type.equals("jdk.NativeMethodSample");
            if (!cpu && !nat) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            String thread = e.getThread("sampledThread") != null ? e.getThread("sampledThread").getJavaName() : "?";
            thread = thread == null ? "?" : thread.replaceAll("-\\d+$", "-N");
            String top = frame(st.getFrames().get(0));
            if (cpu) {
                cpuSamples++;
                cpuTop.merge(top, 1, Integer::sum);
                cpuThreads.merge(thread, 1, Integer::sum);
                for (RecordedFrame f : st.getFrames()) { // the innermost engine frame: which engine code costs CPU
                    if (f.getMethod().getType().getName().startsWith("io.jenkins.plugins.containerbuild.engine")) {
                        cpuEngine.merge(frame(f), 1, Integer::sum);
                        break;
                    }
                }
            } else {
                nativeSamples++;
                nativeTop.merge(thread + "  " + top, 1, Integer::sum);
            }
        }
        List<String> out = new ArrayList<>();
        out.add("CPU samples (jdk.ExecutionSample): " + cpuSamples);
        out.add("");
        out.add("by thread:");
        out.addAll(top(cpuThreads, cpuSamples, 10));
        out.add("");
        out.add("top frames:");
        out.addAll(top(cpuTop, cpuSamples, 20));
        out.add("");
        out.add("innermost engine frame of the CPU samples:");
        out.addAll(top(cpuEngine, cpuSamples, 15));
        out.add("");
        out.add("threads waiting in native code (jdk.NativeMethodSample): " + nativeSamples);
        out.addAll(top(nativeTop, nativeSamples, 12));
        return out;
    }

    /** How many classes the recorded JVM had loaded at most, and its start-up time as JFR saw it. */
    static List<String> classLoading(Path jfr) throws IOException {
        long loaded = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (e.getEventType().getName().equals("jdk.ClassLoadingStatistics")) {
                loaded = Math.max(loaded, e.getLong("loadedClassCount"));
            }
        }
        return List.of("", "classes loaded (jdk.ClassLoadingStatistics, max): " + loaded);
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static List<String> top(Map<String, Integer> counts, int total, int n) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(n)
                .map(e -> String.format(Locale.ROOT, "  %5.1f%%  %6d  %s", 100.0 * e.getValue() / Math.max(1, total),
                        e.getValue(), e.getKey()))
                .toList();
    }
}
