package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * {@code .dockerignore} patterns and {@code filepath.Match} elements match in time proportional to pattern times name
 * (issue 17: {@code *a*a*a*a*a*a*a*a*a*a*a*a*a*a*b} against 60 {@code a}s kept a backtracking matcher busy for
 * longer than anyone waited), and mean what the docker CLI's regular expressions mean: each result is compared with
 * {@link Reference}, a memoized recursive reading of the pattern's text written here, which shares nothing with
 * {@link Glob} or with the translation in {@link IgnorePattern}.
 *
 * <p>The time bound is generous for a loaded two-core machine with a cold JIT (10 s; a match here takes microseconds
 * to a tenth of a second, the backtracking one took more than 20 s for the issue's case). A try that overruns leaves its matching thread running until the
 * JVM ends, so the timed properties do not shrink.
 */
class IgnorePatternProperties {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String ISSUE_LINE = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";

    /** One pattern (or element) and one name. */
    record Case(String pattern, String name) {
        @Override
        public String toString() {
            return "pattern=" + printable(pattern) + " name=" + printable(name) + " (" + name.length() + " chars)";
        }
    }

    // ------------------------------------------------------------------------------------------------ time

    @Example
    void theIssuesLineAgainstSixtyAsIsDecidedAtOnce() {
        String sixty = "a".repeat(60);
        assertTimeoutPreemptively(BOUND, () -> {
            assertThat(DockerIgnore.parse(ISSUE_LINE).excludes(sixty)).isFalse();
            assertThat(DockerIgnore.parse(ISSUE_LINE).excludes("a".repeat(59) + "b")).isTrue();
            assertThat(DockerIgnore.parse("**/" + ISSUE_LINE).excludes("x/" + sixty)).isFalse();
            assertThat(elementMatches(ISSUE_LINE, sixty)).isFalse();
            assertThat(elementMatches(ISSUE_LINE, "a".repeat(59) + "b")).isTrue();
        }, "matching " + ISSUE_LINE + " against 60 a's took longer than " + BOUND);
    }

    /**
     * The cost of one match grows with pattern times path only: a 4 KiB line of wildcards against a path of the
     * longest length Linux accepts (4096 bytes) is still decided well within the bound (about 0.1 s here).
     */
    @Example
    void aFourKilobyteLineAgainstTheLongestPathIsDecidedWithinTheBound() {
        String line = "*a".repeat(2047) + "b";
        String path = ("a".repeat(254) + "/").repeat(17).substring(0, 4095);
        assertTimeoutPreemptively(BOUND, () -> {
            assertThat(IgnorePattern.compile(line).matches(path)).isFalse();
            assertThat(IgnorePattern.compile("**/" + line).matches(path)).isFalse();
            assertThat(IgnorePattern.compile(line).matches(path.replace('/', 'a') + "b")).isTrue();
        }, "matching a 4 KiB line against a 4 KiB path took longer than " + BOUND);
    }

    @Property(tries = 200, seed = "20261208", shrinking = ShrinkingMode.OFF)
    void adversarialPatternsMatchLongNamesWithinTheBound(@ForAll("adversarial") Case c) {
        timedAgainstTheReference(c);
    }

    /** The same with a fresh random seed each run (jqwik prints it with the statistics); the fixed seed above stays. */
    @Property(tries = 200, shrinking = ShrinkingMode.OFF)
    void adversarialPatternsMatchLongNamesWithinTheBoundWithAFreshSeed(@ForAll("adversarial") Case c) {
        timedAgainstTheReference(c);
    }

    private static void timedAgainstTheReference(Case c) {
        boolean[] results = new boolean[2];
        assertTimeoutPreemptively(BOUND, () -> {
            results[0] = IgnorePattern.compile(c.pattern()).matches(c.name());
            results[1] = elementMatches(c.pattern(), c.name());
        }, () -> "matching took longer than " + BOUND + ": " + c);
        assertThat(results[0]).as("pattern: %s", c).isEqualTo(Reference.matches(c.pattern(), c.name(), false));
        assertThat(results[1]).as("element: %s", c).isEqualTo(Reference.matches(c.pattern(), c.name(), true));
        Statistics.collect(results[0] ? "pattern matches" : "pattern does not match");
    }

    // ------------------------------------------------------------------------------------------------ meaning

    @Property(tries = 3000, seed = "20261209")
    void patternsMeanWhatTheReferenceReads(@ForAll("small") Case c) {
        boolean expected = Reference.matches(c.pattern(), c.name(), false);
        assertThat(IgnorePattern.compile(c.pattern()).matches(c.name())).as("%s", c).isEqualTo(expected);
        Statistics.label("pattern").collect(expected ? "match" : "no match");
        if (!c.pattern().contains("/")) {
            boolean element = Reference.matches(c.pattern(), c.name(), true);
            assertThat(elementMatches(c.pattern(), c.name())).as("element %s", c).isEqualTo(element);
            Statistics.label("element").collect(element ? "match" : "no match");
        }
    }

    /** The same with a fresh random seed each run (jqwik prints it with the statistics); the fixed seed above stays. */
    @Property(tries = 3000)
    void patternsMeanWhatTheReferenceReadsWithAFreshSeed(@ForAll("small") Case c) {
        patternsMeanWhatTheReferenceReads(c);
    }

    /** Raw bytes of names that are not UTF-8 arrive as lone surrogates: any String is a name, none throws. */
    @Example
    void loneSurrogatesAreCharactersOfTheirOwn() {
        String raw = "caf\uDCC3\uDCA9.pem";
        assertThat(IgnorePattern.compile(raw).matches(raw)).isTrue();
        assertThat(IgnorePattern.compile("caf\uDCC3?.pem").matches(raw)).isTrue();
        assertThat(IgnorePattern.compile("caf?.pem").matches(raw)).isFalse();
        assertThat(IgnorePattern.compile("caf*.pem").matches(raw)).isTrue();
        assertThat(IgnorePattern.compile("caf[\uDC80-\uDCFF][\uDCA9].pem").matches(raw)).isTrue();
        assertThat(IgnorePattern.compile("*\uDCA9*").matches("\uD800\uDCA9")).as("the half of a pair").isFalse();
        assertThat(IgnorePattern.compile("?").matches("\uD83D\uDE00")).as("a pair is one character").isTrue();
        assertThat(IgnorePattern.compile("??").matches("\uDCC3\uD800")).isTrue();
        assertThat(elementMatches("*\uDCC3*", "x\uDCC3y")).isTrue();
        assertThat(DockerIgnore.parse("caf\uDCC3\uDCA9.*").excludes(raw)).isTrue();
        assertThat(DockerIgnore.parse("caf\uDCC3\uDCA9.*").excludes("café.pem")).isFalse();
    }

    private static boolean elementMatches(String glob, String name) {
        Glob element = IgnorePattern.element(glob);
        return element == null ? IgnorePattern.unescape(glob).equals(name) : element.matches(name);
    }

    // ------------------------------------------------------------------------------------------------ generators

    /** Literal pieces of a pattern, each with the name text it stands for. */
    private static final List<String> LITERALS = List.of("a", "b", ".", "é", "\uDC80", "\uD83D\uDE00", "^", "\\*", "\\a");
    private static final List<String> WILDCARDS = List.of("*", "**", "?", "[ab]", "[^a]", "[a-b]", "[b-a]", "[^b-a]",
            "[\uDC80-\uDCFF]", "[^\uD83D\uDE00]");
    private static final List<String> NAME_CHARS = List.of("a", "b", "/", "\n", ".", "é", "\uDC80", "\uD83D\uDE00", "^",
            "*");

    @Provide
    Arbitrary<Case> small() {
        Arbitrary<String> token = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(LITERALS)),
                Tuple.of(4, Arbitraries.of(WILDCARDS)),
                Tuple.of(2, Arbitraries.just("/")));
        Arbitrary<List<String>> tokens = token.list().ofMinSize(1).ofMaxSize(7)
                .filter(ts -> usable(String.join("", ts)));
        Arbitrary<String> randomName = Arbitraries.of(NAME_CHARS).list().ofMaxSize(8).map(l -> String.join("", l));
        return tokens.flatMap(ts -> Arbitraries.oneOf(randomName, instance(ts))
                .map(name -> new Case(String.join("", ts), name)));
    }

    /** A name made by filling each wildcard of the pattern with a few characters, so that many names match. */
    private static Arbitrary<String> instance(List<String> tokens) {
        List<Arbitrary<String>> pieces = new ArrayList<>();
        Arbitrary<String> fill = Arbitraries.of(NAME_CHARS).list().ofMaxSize(3).map(l -> String.join("", l));
        for (String t : tokens) {
            if (t.startsWith("\\")) {
                pieces.add(Arbitraries.just(t.substring(1)));
            } else if (LITERALS.contains(t) || t.equals("/")) {
                pieces.add(Arbitraries.just(t));
            } else if (t.equals("?") || t.startsWith("[")) {
                pieces.add(Arbitraries.of(NAME_CHARS));
            } else {
                pieces.add(fill);
            }
        }
        return Combinators.combine(pieces).as(l -> String.join("", l));
    }

    /**
     * Patterns built to make a backtracking matcher try every way of sharing the name among the wildcards: many
     * wildcards, each followed by a letter the name is full of, and an end that (mostly) fails; names of hundreds of
     * {@code a}s with a few slashes.
     */
    @Provide
    Arbitrary<Case> adversarial() {
        Arbitrary<String> unit = Combinators.combine(
                        Arbitraries.of("*", "*", "**/", "**", "*?", "?*", "[a-b]*", "*[^b]", "[^/]*"),
                        Arbitraries.of("a", "a", "a", "[a]", "\\a", "a/"))
                .as(String::concat);
        Arbitrary<String> pattern = Combinators.combine(
                        Arbitraries.of("", "", "a", "**/"),
                        unit.list().ofMinSize(6).ofMaxSize(24),
                        Arbitraries.of("b", "b", "[^a]", "/b", "a", "*"))
                .as((start, units, end) -> start + String.join("", units) + end)
                .filter(IgnorePatternProperties::usable);
        Arbitrary<String> name = Combinators.combine(
                        Arbitraries.integers().between(30, 400),
                        Arbitraries.integers().between(0, 6),
                        Arbitraries.of("", "", "b", "/b"))
                .as((length, slashes, end) -> {
                    StringBuilder b = new StringBuilder("a".repeat(length));
                    for (int i = 1; i <= slashes; i++) {
                        b.setCharAt(length * i / (slashes + 1), '/');
                    }
                    return b.append(end).toString();
                });
        return Combinators.combine(pattern, name).as(Case::new);
    }

    /**
     * A pattern that is already clean (as {@code filepath.Clean} would leave it) and that {@link IgnorePattern} matches
     * as a regular expression: it has a {@code ?}, a class, an escape or a single {@code *}; patterns made only of
     * literals and {@code **} take the docker CLI's literal, prefix and suffix shortcuts, which are not Glob's.
     */
    private static boolean usable(String p) {
        if (!IgnorePattern.clean(p).equals(p) || p.startsWith("!") || !IgnorePattern.trimSpace(p).equals(p)) {
            return false;
        }
        if (p.contains("?") || p.contains("[") || p.contains("\\")) {
            return true;
        }
        for (int i = 0; i < p.length(); ) {
            int run = 0;
            while (i + run < p.length() && p.charAt(i + run) == '*') {
                run++;
            }
            if (run % 2 == 1) {
                return true;
            }
            i += Math.max(run, 1);
        }
        return false;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04X", (int) c));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------------ reference

    /**
     * What moby/patternmatcher's regular expression for a pattern (or Go's {@code filepath.Match} for an element)
     * accepts, read from the pattern's text by memoized recursion over (position in the pattern's pieces, position in
     * the name), one code point at a time: {@code *} is a run without {@code /}, {@code ?} one code point but
     * {@code /}, {@code [...]} one code point in (or not in) the class, {@code \x} the code point {@code x}. In a
     * pattern (not an element), {@code **} followed by {@code /} or by more stands for nothing or a run without a line
     * feed ending in {@code /}, {@code **} at the end for a run without a line feed, and {@code ^} asserts the start.
     */
    static final class Reference {

        private enum Kind { LITERAL, STAR, ONE, CLASS, DIRECTORIES, REST, BEGIN }

        private record Piece(Kind kind, int cp, List<int[]> ranges, boolean negated) {
            static Piece of(Kind kind) {
                return new Piece(kind, 0, List.of(), false);
            }
        }

        private final List<Piece> pieces;
        private final int[] name;
        private final Boolean[][] memo;

        private Reference(List<Piece> pieces, int[] name) {
            this.pieces = pieces;
            this.name = name;
            this.memo = new Boolean[pieces.size() + 1][name.length + 1];
        }

        static boolean matches(String pattern, String name, boolean element) {
            return new Reference(read(pattern, element), name.codePoints().toArray()).at(0, 0);
        }

        private static List<Piece> read(String p, boolean element) {
            int[] cps = p.codePoints().toArray();
            List<Piece> out = new ArrayList<>();
            int i = 0;
            while (i < cps.length) {
                int c = cps[i++];
                if (c == '*' && !element && i < cps.length && cps[i] == '*') {
                    i++;
                    if (i < cps.length && cps[i] == '/') {
                        i++;
                    }
                    out.add(Piece.of(i == cps.length ? Kind.REST : Kind.DIRECTORIES));
                } else if (c == '*') {
                    out.add(Piece.of(Kind.STAR));
                } else if (c == '?') {
                    out.add(Piece.of(Kind.ONE));
                } else if (c == '^' && !element) {
                    out.add(Piece.of(Kind.BEGIN));
                } else if (c == '\\') {
                    out.add(new Piece(Kind.LITERAL, cps[i++], List.of(), false));
                } else if (c == '[') {
                    boolean negated = cps[i] == '^';
                    if (negated) {
                        i++;
                    }
                    List<int[]> ranges = new ArrayList<>();
                    do {
                        int lo = cps[i++];
                        int hi = lo;
                        if (cps[i] == '-') {
                            hi = cps[i + 1];
                            i += 2;
                        }
                        ranges.add(new int[] {lo, hi});
                    } while (cps[i] != ']');
                    i++;
                    out.add(new Piece(Kind.CLASS, 0, ranges, negated));
                } else {
                    out.add(new Piece(Kind.LITERAL, c, List.of(), false));
                }
            }
            return out;
        }

        private boolean at(int piece, int pos) {
            Boolean known = memo[piece][pos];
            if (known == null) {
                known = compute(piece, pos);
                memo[piece][pos] = known;
            }
            return known;
        }

        private boolean compute(int piece, int pos) {
            if (piece == pieces.size()) {
                return pos == name.length;
            }
            Piece p = pieces.get(piece);
            boolean more = pos < name.length;
            return switch (p.kind()) {
                case LITERAL -> more && name[pos] == p.cp() && at(piece + 1, pos + 1);
                case ONE -> more && name[pos] != '/' && at(piece + 1, pos + 1);
                case CLASS -> more && inClass(p, name[pos]) && at(piece + 1, pos + 1);
                case STAR -> at(piece + 1, pos) || (more && name[pos] != '/' && at(piece, pos + 1));
                case BEGIN -> pos == 0 && at(piece + 1, pos);
                case REST -> {
                    boolean found = false;
                    for (int end = pos; !found && end <= name.length; end++) {
                        found = at(piece + 1, end);
                        if (end < name.length && name[end] == '\n') {
                            break;
                        }
                    }
                    yield found;
                }
                case DIRECTORIES -> {
                    boolean found = at(piece + 1, pos);
                    for (int slash = pos; !found && slash < name.length && name[slash] != '\n'; slash++) {
                        found = name[slash] == '/' && at(piece + 1, slash + 1);
                    }
                    yield found;
                }
            };
        }

        private static boolean inClass(Piece p, int cp) {
            boolean in = false;
            for (int[] r : p.ranges()) {
                in |= r[0] <= cp && cp <= r[1];
            }
            return in != p.negated();
        }
    }
}
