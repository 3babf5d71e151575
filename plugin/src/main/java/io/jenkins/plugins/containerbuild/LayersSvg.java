package io.jenkins.plugins.containerbuild;

import java.util.List;
import java.util.Locale;

/**
 * Draws the layer sizes of an image as a horizontal bar chart in SVG, one row per layer (oldest first): a bar in
 * proportion to the largest layer, the size, and the instruction that made the layer. Every piece of text comes from
 * the daemon or the Dockerfile and is escaped here, because the build page includes the SVG as markup.
 */
final class LayersSvg {

    static final int MAX_LABEL = 100;

    private static final int ROW = 20;
    private static final int BAR_WIDTH = 240;
    private static final int SIZE_WIDTH = 80;
    private static final int LABEL_WIDTH = 640;

    private LayersSvg() {}

    static String render(List<ImageLayer> layers) {
        long max = 1;
        for (ImageLayer l : layers) {
            max = Math.max(max, l.getSize());
        }
        int width = BAR_WIDTH + SIZE_WIDTH + LABEL_WIDTH;
        int height = Math.max(1, layers.size()) * ROW;
        StringBuilder svg = new StringBuilder(256 + layers.size() * 200);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"containerbuild-layers\" role=\"img\" width=\"")
                .append(width).append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width)
                .append(' ').append(height).append("\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.append("<title>").append(escape(Messages.ContainerBuildAction_LayersTitle(layers.size()))).append("</title>");
        int y = 0;
        for (ImageLayer l : layers) {
            long w = l.getSize() <= 0 ? 0 : Math.max(1, Math.round((double) l.getSize() * BAR_WIDTH / max));
            svg.append("<g><title>").append(escape(truncate(l.getCreatedBy(), 4 * MAX_LABEL))).append("</title>")
                    .append("<rect x=\"0\" y=\"").append(y + 3).append("\" width=\"").append(w)
                    .append("\" height=\"").append(ROW - 6).append("\" fill=\"#4a90d9\"/>")
                    .append("<text x=\"").append(BAR_WIDTH + 6).append("\" y=\"").append(y + ROW - 6).append("\">")
                    .append(escape(humanSize(l.getSize()))).append("</text>")
                    .append("<text x=\"").append(BAR_WIDTH + SIZE_WIDTH).append("\" y=\"").append(y + ROW - 6)
                    .append("\">").append(escape(truncate(l.getCreatedBy(), MAX_LABEL))).append("</text></g>");
            y += ROW;
        }
        return svg.append("</svg>").toString();
    }

    /** Bytes as B, kB, MB or GB (decimal units, as the docker CLI prints them). */
    static String humanSize(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** At most {@code max} code points, never splitting a surrogate pair; an ellipsis marks the cut. */
    static String truncate(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max)) + "\u2026";
    }

    /**
     * Text for XML character data and attribute values: markup characters as entities, and characters that XML 1.0
     * does not allow (control characters, lone surrogates, U+FFFE, U+FFFF) replaced by U+FFFD.
     */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (allowedInXml(cp)) {
                        out.appendCodePoint(cp);
                    } else {
                        out.append('\uFFFD');
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean allowedInXml(int cp) {
        return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)
                || (cp >= 0x10000 && cp <= 0x10FFFF);
    }
}
