package io.jenkins.plugins.containerbuild.engine.context;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * One cleaned {@code .dockerignore} pattern, matched the way the docker CLI's pattern matcher does:
 * a pattern without wildcards is compared literally, {@code **} at the start matches a path suffix,
 * {@code **} at the end a path prefix, anything else is compiled to the {@link Glob} of the regular expression the
 * docker CLI writes for it, where {@code *} and {@code ?} never cross a {@code /} and {@code **} spans any number of
 * directories. A {@link Glob} matches in time proportional to pattern times path, as Go's regular expressions do,
 * so no line of a hostile {@code .dockerignore} can keep the walk busy.
 */
final class IgnorePattern {

    private enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    private final String text;
    private final boolean exclusion;
    private final Kind kind;
    private final Glob glob;
    private final String affix; // the literal prefix (PREFIX) or suffix (SUFFIX) compared with the path

    private IgnorePattern(String text, boolean exclusion, Kind kind, Glob glob) {
        this.text = text;
        this.exclusion = exclusion;
        this.kind = kind;
        this.glob = glob;
        this.affix = switch (kind) {
            case PREFIX -> text.substring(0, text.length() - 2); // without the trailing **
            case SUFFIX -> text.substring(2); // without the leading **
            default -> null;
        };
    }

    /**
     * Compiles one pattern as the matcher receives it (possibly starting with {@code !}); it is trimmed and
     * cleaned again, exactly like the matcher does.
     *
     * @return null for a pattern that is empty after trimming
     * @throws IllegalArgumentException for a pattern that is not valid glob syntax
     */
    static IgnorePattern compile(String raw) {
        String p = trimSpace(raw);
        if (p.isEmpty()) {
            return null;
        }
        p = clean(p);
        boolean exclusion = false;
        if (p.charAt(0) == '!') {
            if (p.length() == 1) {
                throw new IllegalArgumentException("Illegal .dockerignore pattern \"!\": write the path to re-include after the '!'.");
            }
            exclusion = true;
            p = p.substring(1);
        }
        return translate(p, exclusion);
    }

    String text() {
        return text;
    }

    boolean exclusion() {
        return exclusion;
    }

    boolean matches(String path) {
        return switch (kind) {
            case EXACT -> path.equals(text);
            case PREFIX -> path.startsWith(affix);
            // "**/foo" also matches "foo" itself
            case SUFFIX -> path.endsWith(affix) || (affix.startsWith("/") && affix.substring(1).equals(path));
            case REGEX -> glob.matches(path);
        };
    }

    @Override
    public String toString() {
        return (exclusion ? "!" : "") + text;
    }

    private static IgnorePattern translate(String p, boolean exclusion) {
        Glob.Builder re = Glob.builder();
        Kind kind = Kind.EXACT;
        int pos = 0;
        int len = p.length();
        for (int step = 0; pos < len; step++) {
            int ch = p.codePointAt(pos);
            pos += Character.charCount(ch);
            if (ch == '*') {
                if (pos < len && p.charAt(pos) == '*') {
                    pos++;
                    if (pos < len && p.charAt(pos) == '/') {
                        pos++;
                    }
                    if (pos == len) {
                        if (kind == Kind.EXACT) {
                            kind = Kind.PREFIX;
                        } else {
                            re.runWithoutNewline();
                            kind = Kind.REGEX;
                        }
                    } else {
                        re.anyDirectories();
                        kind = Kind.REGEX;
                    }
                    if (step == 0) {
                        kind = Kind.SUFFIX;
                    }
                } else {
                    re.runWithoutSlash();
                    kind = Kind.REGEX;
                }
            } else if (ch == '?') {
                re.anyButSlash();
                kind = Kind.REGEX;
            } else if (ch == '\\') {
                if (pos == len) {
                    throw badPattern(p, "it ends with a lone backslash");
                }
                int escaped = p.codePointAt(pos);
                pos += Character.charCount(escaped);
                re.literal(escaped);
                kind = Kind.REGEX;
            } else if (ch == '[') {
                pos = characterClass(p, pos, re);
                kind = Kind.REGEX;
            } else if (ch == '^') {
                // the docker CLI leaves '^' unescaped in its regular expression, where it is an anchor
                re.start();
            } else {
                re.literal(ch);
            }
        }
        return new IgnorePattern(p, exclusion, kind, kind == Kind.REGEX ? re.build() : null);
    }

    /**
     * Go's {@code filepath.Match} for one path element, as BuildKit matches the wildcards of a followed path (a
     * {@code COPY *.txt} source): {@code *} and {@code ?} within the element, {@code [...]} classes, {@code \}
     * escapes. No {@code **}, no trimming, no {@code !}; null when the element has no wildcard that is not escaped
     * (it names one entry: {@link #unescape}). Like a pattern, it matches in linear time: the element comes from the
     * Dockerfile or from the daemon.
     *
     * @throws IllegalArgumentException for an element that is not valid glob syntax
     */
    static Glob element(String glob) {
        boolean wild = false;
        for (int i = 0; i < glob.length() && !wild; i++) {
            char c = glob.charAt(i);
            if (c == '\\') {
                i++;
            } else {
                wild = c == '*' || c == '?' || c == '[';
            }
        }
        if (!wild) {
            return null;
        }
        Glob.Builder re = Glob.builder();
        int pos = 0;
        while (pos < glob.length()) {
            int ch = glob.codePointAt(pos);
            pos += Character.charCount(ch);
            if (ch == '*') {
                re.runWithoutSlash();
            } else if (ch == '?') {
                re.anyButSlash();
            } else if (ch == '\\') {
                if (pos == glob.length()) {
                    throw badPattern(glob, "it ends with a lone backslash");
                }
                int escaped = glob.codePointAt(pos);
                pos += Character.charCount(escaped);
                re.literal(escaped);
            } else if (ch == '[') {
                pos = characterClass(glob, pos, re);
            } else {
                re.literal(ch);
            }
        }
        return re.build();
    }

    /** The name an element without wildcards stands for: its escapes removed ({@code a\\*b} is {@code a*b}). */
    static String unescape(String element) {
        StringBuilder b = new StringBuilder(element.length());
        for (int i = 0; i < element.length(); i++) {
            char c = element.charAt(i);
            if (c == '\\' && i + 1 < element.length()) {
                c = element.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The element that matches exactly {@code name}: its wildcard characters and backslashes escaped. */
    static String escape(String name) {
        StringBuilder b = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * Translates a Go {@code filepath.Match} character class starting after its {@code [}, validating it with the
     * same rules; returns the position after the closing {@code ]}. A reversed range ({@code [z-a]}) holds nothing.
     */
    private static int characterClass(String p, int pos, Glob.Builder re) {
        int len = p.length();
        boolean negated = false;
        if (pos < len && p.charAt(pos) == '^') {
            negated = true;
            pos++;
        }
        int[] ranges = new int[8];
        int used = 0;
        int count = 0;
        while (true) {
            if (pos < len && p.charAt(pos) == ']' && count > 0) {
                pos++;
                break;
            }
            int[] lo = classChar(p, pos);
            pos = lo[1];
            int hi = lo[0];
            if (p.charAt(pos) == '-') {
                int[] h = classChar(p, pos + 1);
                pos = h[1];
                hi = h[0];
            }
            if (lo[0] <= hi) {
                if (used == ranges.length) {
                    ranges = Arrays.copyOf(ranges, used * 2);
                }
                ranges[used++] = lo[0];
                ranges[used++] = hi;
            }
            count++;
        }
        // with only reversed ranges the list is empty: nothing matches (or, negated, anything)
        re.characterClass(Arrays.copyOf(ranges, used), negated);
        return pos;
    }

    /** Reads one (possibly escaped) character of a class; returns {codePoint, nextPos}. */
    private static int[] classChar(String p, int pos) {
        int len = p.length();
        if (pos >= len || p.charAt(pos) == '-' || p.charAt(pos) == ']') {
            throw badPattern(p, "a character class [...] is empty, unterminated or starts a range with '-'");
        }
        if (p.charAt(pos) == '\\') {
            pos++;
            if (pos >= len) {
                throw badPattern(p, "it ends with a lone backslash");
            }
        }
        int cp = p.codePointAt(pos);
        pos += Character.charCount(cp);
        if (pos >= len) {
            throw badPattern(p, "a character class [...] is not closed with ']'");
        }
        return new int[] {cp, pos};
    }

    private static IllegalArgumentException badPattern(String p, String why) {
        return new IllegalArgumentException("Invalid .dockerignore pattern \"" + p + "\" (" + why + "): fix the pattern syntax.");
    }

    /** Go's {@code strings.TrimSpace}: trims Unicode white space (which includes U+0085 and U+00A0). */
    static String trimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isGoSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isGoSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isGoSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000B', '\f', '\r', ' ', '\u0085', '\u00A0', '\u1680', '\u2028', '\u2029', '\u202F',
                    '\u205F', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200A';
        };
    }

    /**
     * Go's {@code filepath.Clean} for slash paths: collapses repeated slashes, drops {@code .} elements, resolves
     * {@code ..} lexically and removes any trailing slash; returns {@code .} for an empty result.
     */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        Deque<String> out = new ArrayDeque<>();
        for (String element : path.split("/")) {
            if (element.isEmpty() || element.equals(".")) {
                continue;
            }
            if (element.equals("..")) {
                if (!out.isEmpty() && !out.peekLast().equals("..")) {
                    out.removeLast();
                } else if (!rooted) {
                    out.addLast("..");
                }
                continue;
            }
            out.addLast(element);
        }
        String joined = String.join("/", out);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }
}
