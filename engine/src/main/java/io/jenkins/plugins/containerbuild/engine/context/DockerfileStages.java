package io.jenkins.plugins.containerbuild.engine.context;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a Dockerfile has a build stage: at least one {@code FROM} instruction, as BuildKit's Dockerfile parser
 * (which the classic builder uses too) splits the file into instructions. Docker 20.10's BuildKit panics, and its
 * daemon exits with every build on it, on a Dockerfile that holds only {@code ARG} lines; such a file is refused
 * before it is sent, on every builder, since no builder can build it.
 * <p>
 * The parser's rules followed: a UTF-8 byte-order mark is dropped; parser directives ({@code # escape=},
 * {@code # syntax=}) are read only before the first other line; a line whose first non-blank character is {@code #}
 * is a comment, also inside a continued instruction; a line ending with the escape character (then blanks) continues
 * on the next non-empty, non-comment line, and the instruction's name is the first word of the joined line, in any
 * case. Heredoc bodies are read as lines: only {@code RUN}, {@code COPY} and {@code ADD} open one, and those need a
 * stage, so a file that builds has its first {@code FROM} before any heredoc; a {@code FROM} inside a body can only
 * make the answer "yes". Whenever the answer could differ between daemons (a {@code # check=} directive that newer
 * parsers take as a directive and Docker 20.10's as the end of them), between builders (a {@code # syntax=} frontend
 * other than the built-in one decides for itself under BuildKit), or the file is out of the ordinary (an invalid
 * escape directive, a line too long to judge), the answer is "yes": the daemon then says what is wrong, and only a
 * file that surely has no stage is refused.
 */
public final class DockerfileStages {

    /** What is kept of a line: more than any instruction name or directive needs. */
    static final int LINE_PREFIX = 4096;
    private static final Pattern DIRECTIVE = Pattern.compile("^#[\\t\\n\\f\\r ]*([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*$");
    private static final Set<String> DIRECTIVES_20_10 = Set.of("escape", "syntax");
    private static final Set<String> DIRECTIVES_NEWER = Set.of("escape", "syntax", "check");

    private DockerfileStages() {}

    /**
     * True unless the Dockerfile surely has no {@code FROM} instruction.
     *
     * @param builtinFrontendOnly whether a {@code # syntax=} directive is ignored (the classic builder) rather than
     *     handing the file to another frontend (BuildKit)
     */
    public static boolean mayHaveStage(byte[] dockerfile, boolean builtinFrontendOnly) {
        return mayHaveStage(dockerfile, DIRECTIVES_20_10, builtinFrontendOnly)
                || mayHaveStage(dockerfile, DIRECTIVES_NEWER, builtinFrontendOnly);
    }

    /**
     * As {@link #mayHaveStage(byte[], boolean)}, reading the file (twice at most) as a stream: no more than a line's
     * first {@value #LINE_PREFIX} bytes are held, however large the file.
     */
    public static boolean mayHaveStage(Path dockerfile, boolean builtinFrontendOnly) throws IOException {
        try (InputStream in = Files.newInputStream(dockerfile)) {
            if (mayHaveStage(in, DIRECTIVES_20_10, builtinFrontendOnly)) {
                return true;
            }
        }
        try (InputStream in = Files.newInputStream(dockerfile)) {
            return mayHaveStage(in, DIRECTIVES_NEWER, builtinFrontendOnly);
        }
    }

    private static boolean mayHaveStage(byte[] file, Set<String> directives, boolean builtinFrontendOnly) {
        try {
            return mayHaveStage(new java.io.ByteArrayInputStream(file), directives, builtinFrontendOnly);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
    }

    private static boolean mayHaveStage(InputStream file, Set<String> directives, boolean builtinFrontendOnly)
            throws IOException {
        Lines lines = new Lines(file);
        char escape = '\\';
        boolean directivesDone = false;
        Set<String> seen = new java.util.HashSet<>();
        Instruction current = null; // an instruction continued on the next line
        for (Line line = lines.next(); line != null; line = lines.next()) {
            String trimmed = trimLeadingSpace(line.text());
            if (trimmed.isEmpty() && line.truncated()) {
                return true; // blanks as far as was kept: what follows is unknown
            }
            if (current == null && !directivesDone) {
                if (line.truncated()) {
                    return true; // too long to tell whether it is a directive
                }
                Matcher m = DIRECTIVE.matcher(trimmed);
                String name = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
                if (name == null || !directives.contains(name)) {
                    directivesDone = true;
                } else if (!seen.add(name)) {
                    return true; // the parser refuses a repeated directive itself
                } else if (name.equals("escape")) {
                    String value = m.group(2);
                    if (!value.equals("\\") && !value.equals("`")) {
                        return true; // the parser refuses it and says why
                    }
                    escape = value.charAt(0);
                } else if (name.equals("syntax") && !builtinFrontendOnly) {
                    return true; // another frontend reads the file
                }
            }
            if (trimmed.isEmpty() || trimmed.charAt(0) == '#') {
                continue; // an empty line or a comment (a directive is one), also inside a continued instruction
            }
            if (current == null) {
                current = new Instruction();
                current.add(trimmed, line, escape); // the first line of an instruction is trimmed, the others not
            } else {
                current.add(line.text(), line, escape);
            }
            if (current.undecidable) {
                return true;
            }
            if (!current.continues) {
                if (current.isFrom()) {
                    return true;
                }
                current = null;
            }
        }
        return current != null && current.isFrom();
    }

    /** The start of one instruction, joined from its lines: only enough to know its name. */
    private static final class Instruction {
        private final StringBuilder start = new StringBuilder();
        boolean undecidable;
        /** Whether the last line added ended with the escape character: the instruction goes on. */
        boolean continues;

        void add(String text, Line line, char escape) {
            continues = !line.truncated() && endsWithEscape(text, escape);
            String piece = continues ? text.substring(0, text.lastIndexOf(escape)) : text;
            for (int i = 0; i < piece.length() && start.length() < 16; i++) {
                char c = piece.charAt(i);
                if (!start.isEmpty() || !isGoSpace(c)) { // the joined line is trimmed before its name is read
                    start.append(c);
                }
            }
            if (line.truncated() && (start.length() < 5 || line.endsWith(escape))) {
                undecidable = true; // the name, or where the instruction ends, lies beyond what was kept
            }
        }

        boolean isFrom() {
            String s = trimLeadingSpace(start.toString());
            if (!s.regionMatches(true, 0, "from", 0, 4)) {
                return false;
            }
            if (s.length() == 4) {
                return true;
            }
            char c = s.charAt(4);
            return c == ' ' || c == '\t' || c == '\u000b' || c == '\f' || c == '\r';
        }
    }

    /** The escape character, then only spaces and tabs, at the end of the line. */
    static boolean endsWithEscape(String text, char escape) {
        int i = text.length() - 1;
        while (i >= 0 && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i--;
        }
        return i >= 0 && text.charAt(i) == escape;
    }

    /** Go's {@code unicode.IsSpace}, which the parser trims lines with. */
    static boolean isGoSpace(int c) {
        return switch (c) {
            case '\t', '\n', '\u000b', '\f', '\r', ' ', 0x85, 0xA0 -> true;
            default -> c > 0xff && (Character.getType(c) == Character.SPACE_SEPARATOR || c == 0x2028 || c == 0x2029);
        };
    }

    static String trimLeadingSpace(String s) {
        int i = 0;
        while (i < s.length() && isGoSpace(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    /**
     * One line without its line end: its first {@value #LINE_PREFIX} bytes as UTF-8 text, whether more followed, and
     * whether the last non-blank byte of the whole line was the escape character.
     */
    record Line(String text, boolean truncated, int lastNonBlank) {
        boolean endsWith(char escape) {
            return lastNonBlank == escape;
        }
    }

    /** Splits the file into lines as Go's {@code bufio.ScanLines} and the parser's {@code trimNewline} do. */
    private static final class Lines {
        private final InputStream in;
        private boolean first = true;
        private boolean ended;

        Lines(InputStream file) {
            this.in = new BufferedInputStream(file);
        }

        Line next() throws IOException {
            if (ended) {
                return null;
            }
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            int length = 0;
            int lastNonBlank = -1;
            boolean any = false;
            for (int b; ; ) {
                b = in.read();
                if (b < 0) {
                    ended = true;
                    if (!any) {
                        return null;
                    }
                    break;
                }
                any = true;
                if (b == '\n') {
                    break;
                }
                if (length < LINE_PREFIX) {
                    kept.write(b);
                }
                length++;
                if (b != ' ' && b != '\t' && b != '\r') {
                    lastNonBlank = b;
                }
            }
            byte[] bytes = kept.toByteArray();
            int end = bytes.length;
            if (length <= LINE_PREFIX) {
                while (end > 0 && (bytes[end - 1] == '\r' || bytes[end - 1] == '\n')) {
                    end--; // trimNewline
                }
            }
            int start = 0;
            if (first && end >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                    && (bytes[2] & 0xff) == 0xBF) {
                start = 3;
            }
            first = false;
            return new Line(new String(bytes, start, end - start, StandardCharsets.UTF_8), length > LINE_PREFIX,
                    lastNonBlank);
        }
    }
}
