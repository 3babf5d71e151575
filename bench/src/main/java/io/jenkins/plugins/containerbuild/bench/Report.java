package io.jenkins.plugins.containerbuild.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians, ratios, the text table, the CSV of every sample and the SVG chart (drawn here, no library). */
final class Report {

    static final String CB = "containerbuild";
    static final String DOCKER = "docker";
    static final String INPROC = "in-process";
    static final double BUILD_TARGET = 1.05;
    static final double STREAM_TARGET = 0.70;
    static final long HEAP_TARGET_MIB = 64;

    /** One timed run. {@code cpuSeconds} is the client's user+sys CPU; NaN when unknown. */
    record Sample(String scenario, String builder, String cache, String tool, int rep, double seconds,
                  double cpuSeconds, long maxRssKb) {}

    /** One row of the comparison: the medians per tool of one cell. */
    record Row(String scenario, String builder, String cache, Map<String, Double> median, Map<String, Double> cpu,
               int reps) {
        double ratio(String tool) {
            Double t = median.get(tool);
            Double d = median.get(DOCKER);
            return t == null || d == null || d == 0 ? Double.NaN : t / d;
        }

        String name() {
            return scenario + " / " + builder + " / " + cache;
        }
    }

    record Stream(String context, long bytes, double engineMBps, double tarMBps, double firstPassMBps) {
        double ratio() {
            return engineMBps / tarMBps;
        }
    }

    record Memory(String context, String heapOption, boolean ok, double peakHeapMiB, double maxRssMiB,
                  double seconds) {}

    record Startup(String what, double medianSeconds) {}

    final List<Sample> samples = new ArrayList<>();
    final List<Stream> streams = new ArrayList<>();
    final List<Memory> memory = new ArrayList<>();
    final List<Startup> startup = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().filter(x -> !x.isNaN()).sorted().toList();
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    List<Row> rows() {
        Map<String, List<Sample>> cells = new LinkedHashMap<>();
        for (Sample s : samples) {
            cells.computeIfAbsent(s.scenario() + "\u0000" + s.builder() + "\u0000" + s.cache(), k -> new ArrayList<>()).add(s);
        }
        List<Row> rows = new ArrayList<>();
        for (List<Sample> cell : cells.values()) {
            Map<String, Double> med = new LinkedHashMap<>();
            Map<String, Double> cpu = new LinkedHashMap<>();
            int reps = 0;
            for (String tool : List.of(CB, DOCKER, INPROC)) {
                List<Sample> mine = cell.stream().filter(s -> s.tool().equals(tool)).toList();
                if (!mine.isEmpty()) {
                    med.put(tool, median(mine.stream().map(Sample::seconds).toList()));
                    cpu.put(tool, median(mine.stream().map(Sample::cpuSeconds).toList()));
                    reps = Math.max(reps, mine.size());
                }
            }
            Sample first = cell.get(0);
            rows.add(new Row(first.scenario(), first.builder(), first.cache(), med, cpu, reps));
        }
        return rows;
    }

    // ------------------------------------------------------------------ text

    String markdown() {
        StringBuilder b = new StringBuilder();
        if (!samples.isEmpty()) {
            b.append("### Builds and pushes (median wall seconds; ratio = tool / docker CLI, target <= ")
                    .append(fmt(BUILD_TARGET)).append(")\n\n");
            b.append("| scenario | builder | cache | n | containerbuild | docker | ratio | in-process | ratio | client CPU s (cb / docker / in-proc) | CLI target |\n");
            b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
            for (Row r : rows()) {
                double ratio = r.ratio(CB);
                b.append("| ").append(r.scenario()).append(" | ").append(r.builder()).append(" | ").append(r.cache())
                        .append(" | ").append(r.reps())
                        .append(" | ").append(sec(r.median().get(CB)))
                        .append(" | ").append(sec(r.median().get(DOCKER)))
                        .append(" | ").append(fmt(ratio))
                        .append(" | ").append(sec(r.median().get(INPROC)))
                        .append(" | ").append(fmt(r.ratio(INPROC)))
                        .append(" | ").append(sec(r.cpu().get(CB))).append(" / ").append(sec(r.cpu().get(DOCKER)))
                        .append(" / ").append(sec(r.cpu().get(INPROC)))
                        .append(" | ").append(Double.isNaN(ratio) ? "-" : ratio <= BUILD_TARGET ? "met" : "MISSED")
                        .append(" |\n");
            }
        }
        if (!streams.isEmpty()) {
            b.append("\n### Context streaming (tar of the context to a null stream; target engine >= ")
                    .append(pct(STREAM_TARGET)).append(" of `tar -c`)\n\n");
            b.append("Engine: medians of passes after 10 untimed ones in the benchmark's JVM (as in an agent that has run"
                    + " some builds); first pass: the first tar of that tree in this JVM (as in a fresh CLI process).\n\n");
            b.append("| context | tar bytes | engine MB/s, first pass | engine MB/s | tar -c MB/s | engine / tar | target |\n"
                    + "|---|---:|---:|---:|---:|---:|---|\n");
            for (Stream s : streams) {
                b.append("| ").append(s.context()).append(" | ").append(s.bytes()).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f", s.firstPassMBps())).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f", s.engineMBps())).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f", s.tarMBps())).append(" | ").append(pct(s.ratio()))
                        .append(" | ").append(s.ratio() >= STREAM_TARGET ? "met" : "MISSED").append(" |\n");
            }
        }
        if (!memory.isEmpty()) {
            b.append("\n### Memory of `bin/containerbuild build` (classic builder: the whole context streamed as a tar; target: works with -Xmx64m)\n\n");
            b.append("| context | JAVA_TOOL_OPTIONS heap | result | peak heap used MiB | max RSS MiB | wall s | target |\n|---|---|---|---:|---:|---:|---|\n");
            for (Memory m : memory) {
                boolean limited = m.heapOption().contains("Xmx64m");
                b.append("| ").append(m.context()).append(" | ").append(m.heapOption()).append(" | ")
                        .append(m.ok() ? "ok" : "FAILED").append(" | ").append(String.format(Locale.ROOT, "%.1f", m.peakHeapMiB()))
                        .append(" | ").append(String.format(Locale.ROOT, "%.0f", m.maxRssMiB())).append(" | ")
                        .append(sec(m.seconds())).append(" | ")
                        .append(limited ? (m.ok() && m.peakHeapMiB() <= HEAP_TARGET_MIB ? "met" : "MISSED") : "-")
                        .append(" |\n");
            }
        }
        if (!startup.isEmpty()) {
            b.append("\n### Start-up cost of the launcher (median wall seconds, no daemon call)\n\n| what | s |\n|---|---:|\n");
            for (Startup s : startup) {
                b.append("| ").append(s.what()).append(" | ").append(sec(s.medianSeconds())).append(" |\n");
            }
        }
        if (!notes.isEmpty()) {
            b.append("\nNotes from the run:\n\n");
            for (String n : notes) {
                b.append("- ").append(n).append('\n');
            }
        }
        return b.toString();
    }

    void writeCsv(Path file) throws IOException {
        StringBuilder b = new StringBuilder("kind,scenario,builder,cache,tool,rep,seconds,client_cpu_seconds,max_rss_kb\n");
        for (Sample s : samples) {
            b.append("run,").append(s.scenario()).append(',').append(s.builder()).append(',').append(s.cache()).append(',')
                    .append(s.tool()).append(',').append(s.rep()).append(',').append(String.format(Locale.ROOT, "%.3f", s.seconds()))
                    .append(',').append(Double.isNaN(s.cpuSeconds()) ? "" : String.format(Locale.ROOT, "%.3f", s.cpuSeconds()))
                    .append(',').append(s.maxRssKb() < 0 ? "" : Long.toString(s.maxRssKb())).append('\n');
        }
        for (Stream s : streams) {
            b.append("stream,").append(s.context()).append(",,,engine-first-pass,,")
                    .append(String.format(Locale.ROOT, "%.1f", s.firstPassMBps())).append(",,\n");
            b.append("stream,").append(s.context()).append(",,,engine,,").append(String.format(Locale.ROOT, "%.1f", s.engineMBps()))
                    .append(",,\n");
            b.append("stream,").append(s.context()).append(",,,tar,,").append(String.format(Locale.ROOT, "%.1f", s.tarMBps()))
                    .append(",,\n");
        }
        for (Memory m : memory) {
            b.append("memory,").append(m.context()).append(",classic,warm,").append(m.heapOption().replace(',', ' '))
                    .append(",,").append(String.format(Locale.ROOT, "%.3f", m.seconds())).append(",,")
                    .append(String.format(Locale.ROOT, "%.0f", m.maxRssMiB() * 1024)).append('\n');
        }
        for (Startup s : startup) {
            b.append("startup,").append(s.what().replace(',', ' ')).append(",,,,,")
                    .append(String.format(Locale.ROOT, "%.3f", s.medianSeconds())).append(",,\n");
        }
        Files.writeString(file, b.toString());
    }

    // ------------------------------------------------------------------ chart

    /** Diverging bars on a log2 axis around ratio 1: left is faster than the docker CLI, right is slower. */
    String svg(String title) {
        List<Row> rows = rows();
        double lo = 0.25;
        double hi = 2;
        for (Row r : rows) {
            for (String t : List.of(CB, INPROC)) {
                double x = r.ratio(t);
                if (!Double.isNaN(x)) {
                    hi = Math.max(hi, x * 1.15);
                    lo = Math.min(lo, x / 1.15);
                }
            }
        }
        hi = Math.pow(2, Math.ceil(log2(hi)));
        lo = Math.pow(2, Math.floor(log2(lo)));
        int labelW = 330;
        int plotW = 560;
        int rowH = 30;
        int top = 60;
        int height = top + rows.size() * rowH + 60;
        int width = labelW + plotW + 40;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">").append(esc(title)).append("</text>\n");
        s.append("<text x=\"10\" y=\"40\">median time / median time of the docker CLI (log scale; left of 1 = faster)."
                + " Blue: bin/containerbuild; green: engine in-process.</text>\n");
        double l2lo = log2(lo);
        double l2hi = log2(hi);
        java.util.function.DoubleUnaryOperator x = r -> labelW + (log2(r) - l2lo) / (l2hi - l2lo) * plotW;
        int plotBottom = top + rows.size() * rowH;
        for (double t = lo; t <= hi * 1.0001; t *= 2) {
            double px = x.applyAsDouble(t);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
                    px, top - 5, px, plotBottom));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    px, plotBottom + 16, t < 1 ? fmt(t) : String.format(Locale.ROOT, "%.0f", t)));
        }
        double one = x.applyAsDouble(1);
        double target = x.applyAsDouble(BUILD_TARGET);
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n",
                one, top - 5, one, plotBottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"red\" stroke-dasharray=\"4,3\"/>\n",
                target, top - 5, target, plotBottom));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"red\">target 1.05</text>\n", target + 4, top - 8));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">ratio to docker CLI</text>\n",
                labelW + plotW / 2, plotBottom + 34));
        int i = 0;
        for (Row r : rows) {
            int y = top + i * rowH;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                    labelW - 8, y + 19, esc(r.name())));
            bar(s, x, one, r.ratio(CB), y + 4, "#3b6fd4");
            bar(s, x, one, r.ratio(INPROC), y + 16, "#3a9a4a");
            i++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void bar(StringBuilder s, java.util.function.DoubleUnaryOperator x, double one, double ratio, int y,
                            String color) {
        if (Double.isNaN(ratio)) {
            return;
        }
        double px = x.applyAsDouble(ratio);
        double left = Math.min(one, px);
        double w = Math.max(1, Math.abs(px - one));
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>\n",
                left, y, w, color));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\"%s>%s</text>\n",
                ratio >= 1 ? px + 3 : px - 3, y + 9, ratio >= 1 ? "" : " text-anchor=\"end\"", fmt(ratio)));
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static String esc(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String sec(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", v * 100);
    }
}
