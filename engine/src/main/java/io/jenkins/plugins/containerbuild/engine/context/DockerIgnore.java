package io.jenkins.plugins.containerbuild.engine.context;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Immutable {@code .dockerignore} matcher with the semantics of the docker CLI (moby/patternmatcher as used by
 * {@code docker build}): lines starting with {@code #} are comments, lines are trimmed, empty lines are ignored,
 * patterns are cleaned like {@code filepath.Clean} and a leading {@code /} is dropped, {@code !} re-includes, the last
 * matching pattern wins, a pattern matching a directory also matches everything below it, and {@code **} matches any
 * number of directories.
 */
public final class DockerIgnore {

    private static final DockerIgnore NONE = new DockerIgnore(List.of());

    private final List<IgnorePattern> patterns;
    private final boolean hasExclusions;

    private DockerIgnore(List<IgnorePattern> patterns) {
        this.patterns = List.copyOf(patterns);
        this.hasExclusions = patterns.stream().anyMatch(IgnorePattern::exclusion);
    }

    /**
     * Parses the contents of a {@code .dockerignore} file.
     *
     * @throws IllegalArgumentException if a pattern is not valid (for example an unclosed {@code [} or a lone
     *     {@code !}), as {@code docker build} refuses it too
     */
    public static DockerIgnore parse(String contentsOfDockerignore) {
        List<IgnorePattern> compiled = new ArrayList<>();
        for (String line : readLines(contentsOfDockerignore)) {
            IgnorePattern pattern = IgnorePattern.compile(line);
            if (pattern != null) {
                compiled.add(pattern);
            }
        }
        return new DockerIgnore(compiled);
    }

    /** A matcher that excludes nothing. */
    public static DockerIgnore none() {
        return NONE;
    }

    /**
     * Whether the file or directory at this context-relative slash path (e.g. {@code a/b/c.txt}) is left out of the
     * build context: because a pattern excludes it, or because it lies in an excluded directory that the docker CLI
     * does not even walk (no {@code !} pattern names a path below it).
     */
    public boolean excludes(String relativeSlashPath) {
        String path = IgnorePattern.clean(relativeSlashPath);
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isEmpty() || path.equals(".")) {
            return false;
        }
        String[] parts = path.split("/");
        Match match = null;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                prefix.append('/');
            }
            prefix.append(parts[i]);
            match = match(prefix.toString(), match);
            if (i < parts.length - 1 && match.excluded() && !mayReincludeBelow(prefix.toString())) {
                return true;
            }
        }
        return match.excluded();
    }

    /** The cleaned patterns, with a leading {@code !} for re-inclusions, in file order. */
    public List<String> patterns() {
        return patterns.stream().map(IgnorePattern::toString).toList();
    }

    /**
     * Result of matching one path: whether it is excluded, plus which patterns matched it or one of its parents,
     * to be handed down when matching its children (docker's {@code MatchesUsingParentResults}).
     */
    record Match(boolean excluded, boolean[] matchedPatterns) {}

    /** The match of every path when there are no patterns (its empty array cannot be changed). */
    private static final Match NOTHING_MATCHED = new Match(false, new boolean[0]);

    /**
     * Matches one slash path, given the result for its parent directory (or null when matching without one, in which
     * case every parent directory of the path is tried against each pattern).
     */
    Match match(String path, Match parent) {
        if (patterns.isEmpty()) {
            return NOTHING_MATCHED;
        }
        boolean[] parentMatched = parent == null ? null : parent.matchedPatterns();
        boolean[] matched = new boolean[patterns.size()];
        boolean excluded = false;
        for (int i = 0; i < patterns.size(); i++) {
            IgnorePattern pattern = patterns.get(i);
            boolean match = parentMatched != null && parentMatched[i];
            if (!match) {
                // an inclusion cannot change an already excluded path, an exclusion an included one
                if (pattern.exclusion() != excluded) {
                    continue;
                }
                match = pattern.matches(path);
                if (!match && parentMatched == null) {
                    match = matchesAParentDirectory(pattern, path);
                }
            }
            matched[i] = match;
            if (match) {
                excluded = !pattern.exclusion();
            }
        }
        return new Match(excluded, matched);
    }

    private static boolean matchesAParentDirectory(IgnorePattern pattern, String path) {
        int slash = path.indexOf('/');
        while (slash >= 0) {
            if (pattern.matches(path.substring(0, slash))) {
                return true;
            }
            slash = path.indexOf('/', slash + 1);
        }
        return false;
    }

    /**
     * Whether an excluded directory must still be walked because a {@code !} pattern literally starts with its path
     * (the docker CLI's rule: {@code dir} + {@code !dir/keep} walks {@code dir}, {@code dir} + {@code !**}{@code /keep}
     * does not).
     */
    boolean mayReincludeBelow(String directory) {
        if (!hasExclusions) {
            return false;
        }
        String dirSlash = directory + "/";
        for (IgnorePattern pattern : patterns) {
            if (pattern.exclusion() && (pattern.text() + "/").startsWith(dirSlash)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns a matcher that additionally re-includes each of these paths when this one excludes it, as the docker CLI
     * does for the {@code .dockerignore} and the Dockerfile, which are always sent.
     */
    DockerIgnore alwaysIncluding(String... paths) {
        List<IgnorePattern> extended = new ArrayList<>(patterns);
        DockerIgnore current = this;
        for (String path : paths) {
            if (current.excludes(path)) {
                extended.add(IgnorePattern.compile("!" + escapeGlob(path)));
                current = new DockerIgnore(extended);
            }
        }
        return current;
    }

    private static String escapeGlob(String path) {
        StringBuilder sb = new StringBuilder(path.length());
        for (char c : path.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** The docker CLI's reading of the file: BOM dropped, {@code #} comments, trimming, cleaning, leading '/' dropped. */
    private static List<String> readLines(String contents) {
        List<String> result = new ArrayList<>();
        if (contents.startsWith("\uFEFF")) {
            contents = contents.substring(1);
        }
        for (String line : Arrays.asList(contents.split("\n", -1))) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            // a comment only when '#' is the very first character, before trimming
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = IgnorePattern.trimSpace(line);
            if (pattern.isEmpty()) {
                continue;
            }
            boolean invert = pattern.charAt(0) == '!';
            if (invert) {
                pattern = IgnorePattern.trimSpace(pattern.substring(1));
            }
            if (!pattern.isEmpty()) {
                pattern = IgnorePattern.clean(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                    pattern = pattern.substring(1);
                }
            }
            result.add(invert ? "!" + pattern : pattern);
        }
        return result;
    }
}
