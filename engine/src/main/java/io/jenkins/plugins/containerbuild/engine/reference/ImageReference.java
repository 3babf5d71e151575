package io.jenkins.plugins.containerbuild.engine.reference;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Docker image reference {@code [domain/]path[:tag][@digest]}, validated against the grammar of
 * {@code distribution/reference}. Nothing is normalised: {@code ubuntu} keeps repository {@code ubuntu} (not
 * {@code library/ubuntu}), and {@link #toString()} is the reference exactly as written. Only two checks look at the
 * name as Docker expands it ({@code docker.io/library/ubuntu}), as the docker CLI and daemon do: its length (at most
 * 255) and that its short form is not 64 hex digits (which Docker would read as an image id).
 *
 * <p>The first path element is a domain only when there is a further element and it contains {@code .} or
 * {@code :}, is {@code localhost}, or is a bracketed IPv6 address (the rule Docker uses).
 */
public final class ImageReference {
    static final int NAME_TOTAL_LENGTH_MAX = 255;
    static final int TAG_LENGTH_MAX = 128;

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN_NAME =
            Pattern.compile("(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
                    + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*");
    private static final Pattern IPV6 = Pattern.compile("\\[[a-fA-F0-9:]+\\]");
    private static final Pattern PORT = Pattern.compile("[0-9]+");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]*");
    private static final Pattern DIGEST_ALGORITHM = Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*");
    private static final Pattern HEX_IDENTIFIER = Pattern.compile("[a-f0-9]{64}");
    private static final String DEFAULT_DOMAIN = "docker.io";
    private static final String LEGACY_DEFAULT_DOMAIN = "index.docker.io";
    private static final String OFFICIAL_REPOSITORY_PREFIX = "library/";
    private static final Map<String, Integer> DIGEST_HEX_LENGTH = Map.of("sha256", 64, "sha384", 96, "sha512", 128);

    private final String original;
    private final String domain;
    private final String repository;
    private final String tag;
    private final String digest;

    private ImageReference(String original, String domain, String repository, String tag, String digest) {
        this.original = original;
        this.domain = domain;
        this.repository = repository;
        this.tag = tag;
        this.digest = digest;
    }

    /**
     * Parses and validates a reference.
     *
     * @throws InvalidReferenceException if {@code reference} is null or not a valid image reference
     */
    public static ImageReference parse(String reference) {
        if (reference == null) {
            throw new InvalidReferenceException(null, "Image reference is missing: specify an image such as 'alpine:3.20'.");
        }
        if (reference.isEmpty()) {
            throw invalid(reference, "it is empty", "specify an image such as 'alpine:3.20'");
        }
        for (int i = 0; i < reference.length(); i++) {
            char c = reference.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw invalid(reference, "it contains " + describe(c) + " at position " + (i + 1),
                        "remove whitespace and control characters");
            }
        }

        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            checkDigest(reference, digest);
        }

        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.indexOf(':', lastSlash + 1);
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            checkTag(reference, tag);
        }
        String name = rest;
        if (name.isEmpty()) {
            throw invalid(reference, "the repository name is empty", "put a repository name such as 'alpine' before the tag or digest");
        }

        String domain = null;
        String path = name;
        int firstSlash = name.indexOf('/');
        if (firstSlash >= 0) {
            String first = name.substring(0, firstSlash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                domain = first;
                path = name.substring(firstSlash + 1);
                checkDomain(reference, domain);
            }
        }
        checkPath(reference, path, domain);
        // Docker counts the length of the expanded name: 'app' is 'docker.io/library/app' to it
        String expanded = expandedName(domain, path);
        if (expanded.length() > NAME_TOTAL_LENGTH_MAX) {
            String counted = expanded.equals(name) ? ""
                    : " once Docker expands it with '" + expanded.substring(0, expanded.length() - path.length()) + "'";
            throw invalid(reference, "the repository name is " + expanded.length() + " characters long" + counted
                    + ", more than the " + NAME_TOTAL_LENGTH_MAX + " allowed", "use a shorter name");
        }
        String familiar = familiarName(expanded);
        if (HEX_IDENTIFIER.matcher(familiar).matches()) {
            throw invalid(reference, "the repository name '" + familiar + "' is 64 hexadecimal digits, which Docker"
                    + " reads as an image id", "use another name, or add a namespace such as 'team/" + familiar + "'");
        }
        return new ImageReference(reference, domain, path, tag, digest);
    }

    /** The name as Docker normalises it: {@code app} is {@code docker.io/library/app}. */
    private static String expandedName(String domain, String path) {
        if (domain != null && !domain.equals(DEFAULT_DOMAIN) && !domain.equals(LEGACY_DEFAULT_DOMAIN)) {
            return domain + "/" + path;
        }
        return DEFAULT_DOMAIN + "/" + (path.indexOf('/') < 0 ? OFFICIAL_REPOSITORY_PREFIX + path : path);
    }

    /** The short form Docker shows and checks for image ids: {@code docker.io/library/app} is {@code app}. */
    private static String familiarName(String expanded) {
        String prefix = DEFAULT_DOMAIN + "/";
        if (!expanded.startsWith(prefix)) {
            return expanded;
        }
        String rest = expanded.substring(prefix.length());
        if (rest.startsWith(OFFICIAL_REPOSITORY_PREFIX) && rest.indexOf('/', OFFICIAL_REPOSITORY_PREFIX.length()) < 0) {
            return rest.substring(OFFICIAL_REPOSITORY_PREFIX.length());
        }
        return rest;
    }

    private static void checkDigest(String ref, String digest) {
        if (digest.indexOf('@') >= 0) {
            throw invalid(ref, "it contains more than one '@'", "give at most one digest after a single '@'");
        }
        int colon = digest.indexOf(':');
        if (digest.isEmpty() || colon < 0) {
            throw invalid(ref, "the digest after '@' must have the form 'algorithm:hex'",
                    "use a digest such as 'sha256:' followed by 64 hex digits");
        }
        String algorithm = digest.substring(0, colon);
        String hex = digest.substring(colon + 1);
        if (!DIGEST_ALGORITHM.matcher(algorithm).matches()) {
            throw invalid(ref, "the digest algorithm '" + algorithm + "' is malformed", "use 'sha256:' followed by 64 hex digits");
        }
        Integer expected = DIGEST_HEX_LENGTH.get(algorithm);
        if (expected == null) {
            throw invalid(ref, "the digest algorithm '" + algorithm + "' is not supported",
                    "use sha256, sha384 or sha512");
        }
        if (!hex.chars().allMatch(ch -> (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
            boolean upper = hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0);
            throw invalid(ref, "the " + algorithm + " digest contains " + (upper ? "uppercase hex digits" : "characters other than hex digits"),
                    upper ? "write the digest in lowercase" : "copy the digest again from the registry or 'docker images --digests'");
        }
        if (hex.length() != expected) {
            throw invalid(ref, "the " + algorithm + " digest has " + hex.length() + " hex digits instead of " + expected,
                    "copy the complete digest");
        }
    }

    private static void checkTag(String ref, String tag) {
        if (tag.isEmpty()) {
            throw invalid(ref, "the tag after ':' is empty", "add a tag such as ':latest' or remove the ':'");
        }
        if (tag.length() > TAG_LENGTH_MAX) {
            throw invalid(ref, "the tag is " + tag.length() + " characters long, more than the " + TAG_LENGTH_MAX
                    + " allowed", "use a shorter tag");
        }
        if (!TAG.matcher(tag).matches()) {
            throw invalid(ref, "the tag '" + tag + "' is malformed",
                    "tags may contain only letters, digits, '_', '.' and '-', and must not start with '.' or '-'");
        }
    }

    private static void checkDomain(String ref, String domain) {
        String host = domain;
        String port = null;
        if (domain.startsWith("[")) {
            int close = domain.indexOf(']');
            if (close < 0) {
                throw invalid(ref, "the registry '" + domain + "' has an unclosed '['", "write IPv6 registries as '[::1]:5000'");
            }
            host = domain.substring(0, close + 1);
            String after = domain.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw invalid(ref, "the registry '" + domain + "' is malformed", "write IPv6 registries as '[::1]:5000'");
                }
                port = after.substring(1);
            }
            if (!IPV6.matcher(host).matches()) {
                throw invalid(ref, "the registry address '" + host + "' is not a valid IPv6 address", "write IPv6 registries as '[::1]:5000'");
            }
        } else {
            int colon = domain.indexOf(':');
            if (colon >= 0) {
                host = domain.substring(0, colon);
                port = domain.substring(colon + 1);
            }
            if (!DOMAIN_NAME.matcher(host).matches()) {
                throw invalid(ref, "the registry host '" + host + "' is not a valid host name",
                        "use a registry such as 'registry.example.com:5000'");
            }
        }
        if (port != null && !PORT.matcher(port).matches()) {
            throw invalid(ref, "the registry port '" + port + "' is not a number", "use a registry such as 'localhost:5000'");
        }
    }

    private static void checkPath(String ref, String path, String domain) {
        String[] parts = path.split("/", -1);
        for (String part : parts) {
            if (part.isEmpty()) {
                throw invalid(ref, "the repository name '" + path + "' has an empty path component",
                        "remove the leading, trailing or doubled '/'");
            }
        }
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            String suggestion = lowercaseSuggestion(ref, path, domain);
            throw invalid(ref, "repository names must be lowercase",
                    suggestion != null ? "use '" + suggestion + "'" : "write the repository name in lowercase");
        }
        for (String part : parts) {
            if (!PATH_COMPONENT.matcher(part).matches()) {
                throw invalid(ref, "the path component '" + part + "' is malformed",
                        "use lowercase letters and digits, separated by single '.', '_', '__' or dashes, "
                                + "and start and end each component with a letter or digit");
            }
        }
    }

    private static String lowercaseSuggestion(String ref, String path, String domain) {
        int start = domain == null ? 0 : domain.length() + 1;
        String candidate = ref.substring(0, start) + path.toLowerCase(Locale.ROOT) + ref.substring(start + path.length());
        try {
            parse(candidate);
            return candidate;
        } catch (InvalidReferenceException e) {
            return null;
        }
    }

    private static String describe(char c) {
        return c == ' ' ? "a space" : String.format("the character U+%04X", (int) c);
    }

    private static InvalidReferenceException invalid(String ref, String problem, String remedy) {
        return new InvalidReferenceException(ref, "Image reference '" + printable(ref) + "' is invalid: " + problem + "; "
                + remedy + ".");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        int shown = Math.min(s.length(), 300);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || (Character.isWhitespace(c) && c != ' ') || Character.isSpaceChar(c) && c != ' ') {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        if (shown < s.length()) {
            b.append("...");
        }
        return b.toString();
    }

    /** The registry part as written, or null when the reference has none (Docker Hub). */
    public String domain() {
        return domain;
    }

    /** The registry host (with port, if written), {@code docker.io} when the reference names none. */
    public String registryHost() {
        return domain != null ? domain : "docker.io";
    }

    /** The path without the domain, as written ({@code ubuntu}, not {@code library/ubuntu}). */
    public String repository() {
        return repository;
    }

    /** The tag, or null when none was written. */
    public String tag() {
        return tag;
    }

    /** The digest ({@code sha256:...}), or null when none was written. */
    public String digest() {
        return digest;
    }

    /** {@code domain/path} (or just {@code path}) as written, without tag or digest. */
    public String nameWithoutTag() {
        return domain != null ? domain + "/" + repository : repository;
    }

    /** The tag, or {@code latest} when none was written (even if a digest was). */
    public String tagOrLatest() {
        return tag != null ? tag : "latest";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageReference other && original.equals(other.original);
    }

    @Override
    public int hashCode() {
        return original.hashCode();
    }

    /** The reference exactly as written. */
    @Override
    public String toString() {
        return original;
    }
}
