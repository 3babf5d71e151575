package io.jenkins.plugins.containerbuild.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based checks of {@link ImageReference#parse}: generated valid references (per the distribution/reference
 * grammar) parse and round-trip, generated invalid ones are refused with an {@link InvalidReferenceException} that
 * names them, nothing else is ever thrown, and on a bounded sample the docker 20.10 CLI's {@code docker tag} accepts
 * exactly the references the parser accepts.
 */
class ImageReferenceProperties {

    private static final String LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String HOST_CHARS = LOWER_ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    private static final String TAG_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    private static final String TAG_CHARS = TAG_FIRST + ".-";
    private static final String HEX = "0123456789abcdef";

    /** A reference built from its parts; {@code domain}, {@code tag} and {@code digest} may be null. */
    record Parts(String domain, String path, String tag, String digest) {
        String text() {
            return (domain != null ? domain + "/" : "") + path + (tag != null ? ":" + tag : "")
                    + (digest != null ? "@" + digest : "");
        }

        Parts withPath(String p) {
            return new Parts(domain, p, tag, digest);
        }

        Parts withTag(String t) {
            return new Parts(domain, path, t, digest);
        }
    }

    /** An input that must be refused, and the kind of mistake it has (for the statistics and the failure report). */
    record Invalid(String text, String mistake) {
        @Override
        public String toString() {
            return mistake + ": " + printable(text);
        }
    }

    // ------------------------------------------------------------------------------------------------ properties

    @Property(tries = 1000, seed = "20260517")
    void validReferencesParseAndRoundTrip(@ForAll("validParts") Parts parts) {
        String text = parts.text();
        ImageReference ref = ImageReference.parse(text);

        assertThat(ref.toString()).isEqualTo(text);
        assertThat(ref.domain()).isEqualTo(parts.domain());
        assertThat(ref.repository()).isEqualTo(parts.path());
        assertThat(ref.tag()).isEqualTo(parts.tag());
        assertThat(ref.digest()).isEqualTo(parts.digest());
        assertThat(ref.registryHost()).isEqualTo(parts.domain() != null ? parts.domain() : "docker.io");
        assertThat(ref.tagOrLatest()).isEqualTo(parts.tag() != null ? parts.tag() : "latest");
        // the components recombine into the input, and the input parses to an equal value
        String recombined = ref.nameWithoutTag() + (ref.tag() != null ? ":" + ref.tag() : "")
                + (ref.digest() != null ? "@" + ref.digest() : "");
        assertThat(recombined).isEqualTo(text);
        assertThat(ImageReference.parse(recombined)).isEqualTo(ref).hasSameHashCodeAs(ref);
        Statistics.label("domain").collect(parts.domain() == null ? "none" : parts.domain().startsWith("[") ? "ipv6"
                : parts.domain().contains(":") ? "with port" : "without port");
        Statistics.label("tag/digest").collect((parts.tag() != null ? "tag" : "-") + "/" + (parts.digest() != null ? "digest" : "-"));
    }

    /** The same with a fresh random seed each run (jqwik prints it with the statistics); the fixed seed above stays. */
    @Property(tries = 1000)
    void validReferencesParseAndRoundTripWithAFreshSeed(@ForAll("validParts") Parts parts) {
        validReferencesParseAndRoundTrip(parts);
    }

    @Property(tries = 1000, seed = "20260518")
    void invalidReferencesAreRefusedWithAMessageNamingThem(@ForAll("invalidReferences") Invalid invalid) {
        Throwable thrown = catchThrowable(() -> ImageReference.parse(invalid.text()));
        assertThat(thrown).as(invalid.toString()).isInstanceOf(InvalidReferenceException.class);
        assertThat(((InvalidReferenceException) thrown).reference()).isEqualTo(invalid.text());
        assertNamesTheInput(thrown.getMessage(), invalid.text());
        Statistics.collect(invalid.mistake());
    }

    @Property(tries = 1000)
    void invalidReferencesAreRefusedWithAMessageNamingThemWithAFreshSeed(@ForAll("invalidReferences") Invalid invalid) {
        invalidReferencesAreRefusedWithAMessageNamingThem(invalid);
    }

    @Property(tries = 2000, seed = "20260519")
    void anyStringParsesOrIsRefusedWithInvalidReferenceException(@ForAll("anyInput") String input) {
        Throwable thrown = catchThrowable(() -> ImageReference.parse(input));
        if (thrown == null) {
            assertThat(ImageReference.parse(input).toString()).isEqualTo(input);
            Statistics.collect("accepted");
        } else {
            assertThat(thrown).as(printable(input)).isExactlyInstanceOf(InvalidReferenceException.class);
            assertThat(((InvalidReferenceException) thrown).reference()).isEqualTo(input);
            assertNamesTheInput(thrown.getMessage(), input);
            Statistics.collect("refused");
        }
    }

    @Property(tries = 2000)
    void anyStringParsesOrIsRefusedWithInvalidReferenceExceptionWithAFreshSeed(@ForAll("anyInput") String input) {
        anyStringParsesOrIsRefusedWithInvalidReferenceException(input);
    }

    /**
     * The docker 20.10 CLI ({@code docker tag busybox:local REF}, which the daemon checks as well) accepts exactly
     * the digest-free references the parser accepts. Known difference, left out of the sample: the parser accepts
     * bracketed IPv6 registries ({@code [::1]:5000/app}), which the newer reference grammar of Docker 24+ allows and
     * 20.10 does not. Names that already exist on the daemon are skipped (tagging would move them); every tag
     * created is removed again ({@code DELETE /images/REF} only untags: busybox:local keeps the image).
     */
    @Property(tries = 200, seed = "20260520", shrinking = ShrinkingMode.BOUNDED)
    void dockerCliAcceptsExactlyWhatTheParserAccepts(@ForAll("cliSamples") String ref) {
        Lab lab = Lab.get();
        boolean ours = catchThrowable(() -> ImageReference.parse(ref)) == null;
        Assume.that(!exists(lab, ref));
        Lab.Result cli = Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket(), "tag", "--",
                lab.baseImage(), ref), null, false);
        boolean theirs = cli.exitCode() == 0;
        if (theirs) {
            int status = daemonStatus(lab, "DELETE", "/images/" + encodePath(ref));
            assertThat(status).as("untagging %s", ref).isEqualTo(200);
        }
        assertThat(ours).as("parser accepts '%s' (docker tag said: %s)", printable(ref),
                theirs ? "accepted" : cli.stderr().strip()).isEqualTo(theirs);
        Statistics.collect(theirs ? "both accept" : "both refuse");
    }

    /** Fewer tries than the fixed seed: each one runs the docker CLI. */
    @Property(tries = 100, shrinking = ShrinkingMode.BOUNDED)
    void dockerCliAcceptsExactlyWhatTheParserAcceptsWithAFreshSeed(@ForAll("cliSamples") String ref) {
        dockerCliAcceptsExactlyWhatTheParserAccepts(ref);
    }

    // ------------------------------------------------------------------------------------------------ generators

    private static Arbitrary<String> word() {
        return Arbitraries.strings().withChars(LOWER_ALNUM).ofMinLength(1).ofMaxLength(5);
    }

    /** A path component: lowercase alphanumerics separated by '.', '_', '__' or dashes. */
    private static Arbitrary<String> component() {
        Arbitrary<String> separator = Arbitraries.of(".", "_", "__", "-", "--", "---");
        return Combinators.combine(word().list().ofMinSize(1).ofMaxSize(3), separator.list().ofSize(2))
                .as((words, seps) -> {
                    StringBuilder b = new StringBuilder(words.get(0));
                    for (int i = 1; i < words.size(); i++) {
                        b.append(seps.get(i - 1)).append(words.get(i));
                    }
                    return b.toString();
                });
    }

    private static Arbitrary<List<String>> components() {
        return component().list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<String> hostLabel() {
        return Arbitraries.strings().withChars(HOST_CHARS).ofMinLength(1).ofMaxLength(8)
                .filter(s -> !s.startsWith("-") && !s.endsWith("-"));
    }

    private static Arbitrary<String> port() {
        return Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(5);
    }

    /** A registry the parser must recognise as one: it has a '.', a ':', is localhost, or is bracketed IPv6. */
    private static Arbitrary<String> domain(boolean ipv6) {
        Arbitrary<String> dotted = hostLabel().list().ofMinSize(2).ofMaxSize(4).map(l -> String.join(".", l));
        Arbitrary<String> hosts = Arbitraries.oneOf(Arbitraries.just("localhost"), dotted,
                Arbitraries.of("127.0.0.1", "docker.io", "index.docker.io", "registry-1.example.com"));
        Arbitrary<String> withPort = Combinators.combine(Arbitraries.oneOf(hosts, hostLabel()), port())
                .as((h, p) -> h + ":" + p);
        if (!ipv6) {
            return Arbitraries.oneOf(hosts, withPort);
        }
        Arbitrary<String> v6 = Arbitraries.strings().withChars(HEX + "ABCDEF").ofMinLength(1).ofMaxLength(4)
                .list().ofMinSize(1).ofMaxSize(4)
                .map(groups -> "[" + String.join(":", groups.subList(0, groups.size() - 1))
                        + "::" + groups.get(groups.size() - 1) + "]");
        Arbitrary<String> v6WithPort = Combinators.combine(v6, port().injectNull(0.5))
                .as((h, p) -> p == null ? h : h + ":" + p);
        return Arbitraries.oneOf(hosts, withPort, v6WithPort);
    }

    private static Arbitrary<String> tag() {
        return Combinators.combine(Arbitraries.strings().withChars(TAG_FIRST).ofLength(1),
                        Arbitraries.strings().withChars(TAG_CHARS).ofMaxLength(127))
                .as((first, rest) -> first + rest);
    }

    private static Arbitrary<String> digest() {
        return Arbitraries.of("sha256", "sha384", "sha512").flatMap(alg -> {
            int length = switch (alg) {
                case "sha256" -> 64;
                case "sha384" -> 96;
                default -> 128;
            };
            return Arbitraries.strings().withChars(HEX).ofLength(length).map(hex -> alg + ":" + hex);
        });
    }

    private static Arbitrary<Parts> parts(boolean ipv6, boolean digests) {
        return Combinators.combine(domain(ipv6).injectNull(0.4), components(), tag().injectNull(0.4),
                        digests ? digest().injectNull(0.7) : Arbitraries.just(null))
                .as((d, comps, t, dg) -> new Parts(d, String.join("/", comps), t, dg))
                // without a registry, a first component with '.' would be read as one
                .filter(p -> p.domain() != null || !p.path().contains("/") || !firstComponentLooksLikeADomain(p.path()));
    }

    private static boolean firstComponentLooksLikeADomain(String path) {
        String first = path.substring(0, path.indexOf('/'));
        return first.contains(".") || first.equals("localhost");
    }

    @Provide
    Arbitrary<Parts> validParts() {
        return parts(true, true);
    }

    @Provide
    Arbitrary<Invalid> invalidReferences() {
        return invalid(parts(true, true), true);
    }

    private static Arbitrary<Invalid> invalid(Arbitrary<Parts> base, boolean withNul) {
        Arbitrary<Invalid> uppercase = Combinators.combine(base, Arbitraries.integers().between(0, 3))
                .as((p, i) -> {
                    String[] comps = p.path().split("/");
                    int k = i % comps.length;
                    String c = comps[k].toUpperCase(Locale.ROOT);
                    comps[k] = c.equals(comps[k]) ? c + "A" : c;
                    return new Invalid(p.withPath(String.join("/", comps)).text(), "uppercase repository");
                });
        Arbitrary<String> badSeparator = Arbitraries.of("..", "___", "-.", ".-", "_-", "-_", "._", "_.", "/.", "%", "$", "+");
        Arbitrary<Invalid> separators = Combinators.combine(base, word(), badSeparator, Arbitraries.integers().between(0, 2))
                .as((p, w, sep, where) -> {
                    String path = switch (where) {
                        case 0 -> p.path() + sep + w; // inside the last component
                        case 1 -> p.path() + sep.replace("/", ""); // trailing
                        default -> sep.replace("/", "") + p.path(); // leading
                    };
                    return new Invalid(p.withPath(path).text(), "bad separator");
                });
        Arbitrary<Invalid> longTag = Combinators.combine(base, Arbitraries.strings().withChars(TAG_CHARS).ofMinLength(128).ofMaxLength(300))
                .as((p, rest) -> new Invalid(p.withTag("t" + rest).text(), "overlong tag"));
        Arbitrary<Invalid> badTag = Combinators.combine(base, Arbitraries.of(".", "-"), tag())
                .as((p, first, t) -> new Invalid(p.withTag(first + t).text(), "tag starting with . or -"));
        String controls = (withNul ? "\u0000" : "") + "\u0001\u0007\u0008\t\n\u000b\f\r\u001b\u001f\u007f \u0085\u00a0\u2028";
        Arbitrary<Invalid> control = Combinators.combine(base, Arbitraries.of(controls.chars().mapToObj(c -> (char) c).toList()),
                        Arbitraries.doubles().between(0, 1))
                .as((p, ch, where) -> {
                    String t = p.text();
                    int at = (int) Math.round(where * t.length());
                    return new Invalid(t.substring(0, at) + ch + t.substring(at), "control or space character");
                });
        Arbitrary<Invalid> empty = Combinators.combine(base, Arbitraries.integers().between(0, 6))
                .as((p, kind) -> switch (kind) {
                    case 0 -> new Invalid(p.withPath(p.path().replaceFirst("/|$", "//x")).text(), "empty path component");
                    case 1 -> new Invalid((p.domain() != null ? p.domain() + "/" : "") + "/" + p.path()
                            + (p.tag() != null ? ":" + p.tag() : ""), "leading '/'");
                    case 2 -> new Invalid(p.withPath(p.path() + "/").text(), "trailing '/'");
                    case 3 -> new Invalid(new Parts(p.domain(), p.path(), "", p.digest()).text(), "empty tag");
                    case 4 -> new Invalid((p.domain() != null ? p.domain() + "/" : "") + ":" + (p.tag() != null ? p.tag() : "t"),
                            "empty repository");
                    case 5 -> new Invalid(p.text() + "@", "empty digest");
                    default -> new Invalid(":" + (p.domain() == null ? "5000" : p.domain().replaceAll(".*:", "")) + "/" + p.path(),
                            "empty registry host");
                });
        return Arbitraries.oneOf(uppercase, separators, longTag, badTag, control, empty);
    }

    /** Anything: short strings over the grammar's alphabet with some odd characters, or spliced valid references. */
    @Provide
    Arbitrary<String> anyInput() {
        Arbitrary<String> alphabet = Arbitraries.strings()
                .withChars("abcAB09._-/:@[]")
                .withChars('\u0000', '\u00e9', '\u212a', '\ud83d', '\ude00', ' ', '#', '%', '\\')
                .ofMaxLength(40);
        Arbitrary<String> spliced = Combinators.combine(parts(true, true), parts(true, true), Arbitraries.doubles().between(0, 1))
                .as((a, b, f) -> {
                    String x = a.text();
                    String y = b.text();
                    return x.substring(0, (int) (f * x.length())) + y.substring((int) (f * y.length()));
                });
        Arbitrary<String> unicode = Arbitraries.strings().all().ofMaxLength(20);
        return Arbitraries.frequencyOf(Tuple.of(4, alphabet), Tuple.of(3, spliced), Tuple.of(1, unicode),
                Tuple.of(1, Arbitraries.of("", "@", ":", "/", "[", "[]", "a@sha256:", "a:" + "x".repeat(129))));
    }

    /**
     * What to hand to {@code docker tag}: valid and invalid references without digests or IPv6 registries, names
     * around the 255-character limit, 64-hex names, and short strings over the grammar's alphabet. All ASCII without
     * NUL, which a command line cannot carry.
     */
    @Provide
    Arbitrary<String> cliSamples() {
        Arbitrary<Parts> base = parts(false, false);
        Arbitrary<String> valid = base.map(Parts::text);
        Arbitrary<String> invalid = invalid(base, false).map(Invalid::text);
        Arbitrary<String> alphabet = Arbitraries.strings().withChars("abAB09._-/:").ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> longNames = Combinators.combine(
                        Arbitraries.of("", "x/", "docker.io/", "index.docker.io/", "library/", "localhost:5000/", "a.b/"),
                        Arbitraries.integers().between(230, 256))
                .as((prefix, n) -> prefix + "b".repeat(n));
        Arbitrary<String> hexNames = Combinators.combine(
                        Arbitraries.of("", "x/", "docker.io/", "library/", "docker.io/library/", "localhost/"),
                        Arbitraries.strings().withChars(HEX).ofLength(64), Arbitraries.of("", ":1"))
                .as((prefix, hex, t) -> prefix + hex + t);
        return Arbitraries.frequencyOf(Tuple.of(5, valid), Tuple.of(6, invalid), Tuple.of(4, alphabet),
                        Tuple.of(2, longNames), Tuple.of(1, hexNames))
                .filter(s -> s.chars().allMatch(c -> c > 0 && c < 0x7f) && !s.contains("["));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The message starts with the input as the parser prints it (control characters escaped, cut at 300). */
    private static void assertNamesTheInput(String message, String input) {
        assertThat(message).startsWith("Image reference '" + printable(input.length() > 300 ? input.substring(0, 300) : input)
                + (input.length() > 300 ? "..." : "") + "' is invalid: ");
        assertThat(message).endsWith(".").doesNotContain("\u0000");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (Character.isISOControl(c) || (Character.isWhitespace(c) || Character.isSpaceChar(c)) && c != ' ') {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean exists(Lab lab, String ref) {
        return daemonStatus(lab, "GET", "/images/" + encodePath(ref) + "/json") == 200;
    }

    /** Percent-encodes a reference for a daemon URL path, keeping '/' and ':' as the CLI does. */
    private static String encodePath(String ref) {
        StringBuilder b = new StringBuilder();
        for (byte x : ref.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/:@".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }

    /** One HTTP/1.0 request to the lab's host daemon over its socket; returns the status code. */
    private static int daemonStatus(Lab lab, String method, String path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(lab.hostSocket()))) {
            ch.write(ByteBuffer.wrap((method + " /v1.41" + path + " HTTP/1.0\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            String reply = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.ISO_8859_1);
            String[] statusLine = reply.split("\r\n", 2)[0].split(" ");
            return Integer.parseInt(statusLine[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
