package io.jenkins.plugins.containerbuild.engine;

/**
 * Makes text that a daemon or a registry chose safe to print in a terminal or a build log: host names the daemon
 * asks credentials for, step names, step errors, warnings, error replies, image ids and digests. A line break in such
 * text would start a line of its own that reads like the engine's ({@code ==> Pushed ... sha256:...}), and a terminal
 * escape ({@code ESC [2J}) would act on the reader's terminal; so control characters are shown escaped instead of
 * sent: {@code \n}, {@code \r}, {@code \t}, {@code \x1b} for the other C0 controls and DEL, {@code \u009b} for the
 * C1 controls and the Unicode line and paragraph separators. A backslash is left as it is: the escaped form is for
 * reading, never parsed back.
 *
 * <p>The docker CLI prints these strings as they come (its plain progress writes vertex names and step output
 * verbatim); this is stricter on purpose, since a Jenkins log is read by people who did not write the Dockerfile.
 */
public final class Printable {

    private Printable() {}

    /** {@code text} as one line: every control character escaped, line breaks and tabs included; null stays null. */
    public static String line(String text) {
        return escape(text, false);
    }

    /**
     * What a build step printed: line feeds and tabs kept (a CR LF becomes LF), every other control character
     * escaped. The CLI and the plugin indent each line of step output, so a line break there forges nothing.
     */
    public static String output(String text) {
        return escape(text, true);
    }

    /** Whether {@code c} is escaped by {@link #line}: C0, DEL, C1, U+2028 and U+2029. */
    public static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    private static boolean kept(char c, boolean keepLines) {
        return !isControl(c) || keepLines && (c == '\n' || c == '\t');
    }

    private static String escape(String text, boolean keepLines) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && kept(text.charAt(i), keepLines)) {
            i++;
        }
        if (i == text.length()) {
            return text; // the usual case: nothing to escape, no copy
        }
        StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (kept(c, keepLines)) {
                b.append(c);
            } else if (keepLines && c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                continue; // CR LF: the LF that follows is kept
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x80) {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
