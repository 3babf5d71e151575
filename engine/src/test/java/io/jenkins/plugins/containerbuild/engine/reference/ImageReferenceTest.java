package io.jenkins.plugins.containerbuild.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {
    private static final String HEX = "0123456789abcdef".repeat(4);
    private static final String NULL = "<null>";

    static Stream<Arguments> valid() {
        // reference, domain, registryHost, repository, tag, digest, nameWithoutTag
        return Stream.of(
                Arguments.of("ubuntu", NULL, "docker.io", "ubuntu", NULL, NULL, "ubuntu"),
                Arguments.of("ubuntu:22.04", NULL, "docker.io", "ubuntu", "22.04", NULL, "ubuntu"),
                Arguments.of("library/ubuntu", NULL, "docker.io", "library/ubuntu", NULL, NULL, "library/ubuntu"),
                Arguments.of("localhost:5000/app:1", "localhost:5000", "localhost:5000", "app", "1", NULL, "localhost:5000/app"),
                Arguments.of("localhost/app", "localhost", "localhost", "app", NULL, NULL, "localhost/app"),
                Arguments.of("127.0.0.1:5000/a/b:tag", "127.0.0.1:5000", "127.0.0.1:5000", "a/b", "tag", NULL, "127.0.0.1:5000/a/b"),
                Arguments.of("[::1]:5000/x", "[::1]:5000", "[::1]:5000", "x", NULL, NULL, "[::1]:5000/x"),
                Arguments.of("[fe80::1]/x:y", "[fe80::1]", "[fe80::1]", "x", "y", NULL, "[fe80::1]/x"),
                Arguments.of("a/b@sha256:" + HEX, NULL, "docker.io", "a/b", NULL, "sha256:" + HEX, "a/b"),
                Arguments.of("ghcr.io/o/r:v1@sha256:" + HEX, "ghcr.io", "ghcr.io", "o/r", "v1", "sha256:" + HEX, "ghcr.io/o/r"),
                Arguments.of("Registry.Example.com/team/app", "Registry.Example.com", "Registry.Example.com", "team/app", NULL, NULL,
                        "Registry.Example.com/team/app"),
                Arguments.of("my-registry.local:443/a__b/c.d/e-f/g---h/i_j", "my-registry.local:443", "my-registry.local:443",
                        "a__b/c.d/e-f/g---h/i_j", NULL, NULL, "my-registry.local:443/a__b/c.d/e-f/g---h/i_j"),
                Arguments.of("app:Latest_1.0-rc", NULL, "docker.io", "app", "Latest_1.0-rc", NULL, "app"),
                Arguments.of("localhost:5000", NULL, "docker.io", "localhost", "5000", NULL, "localhost"),
                Arguments.of("x:" + "t".repeat(128), NULL, "docker.io", "x", "t".repeat(128), NULL, "x"),
                Arguments.of("a@sha512:" + HEX + HEX, NULL, "docker.io", "a", NULL, "sha512:" + HEX + HEX, "a"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parsesValid(String ref, String domain, String host, String repository, String tag, String digest, String name) {
        ImageReference r = ImageReference.parse(ref);
        assertThat(r.domain()).isEqualTo(orNull(domain));
        assertThat(r.registryHost()).isEqualTo(host);
        assertThat(r.repository()).isEqualTo(repository);
        assertThat(r.tag()).isEqualTo(orNull(tag));
        assertThat(r.digest()).isEqualTo(orNull(digest));
        assertThat(r.nameWithoutTag()).isEqualTo(name);
        assertThat(r.tagOrLatest()).isEqualTo(tag.equals(NULL) ? "latest" : tag);
        assertThat(r.toString()).isEqualTo(ref);
        assertThat(r).isEqualTo(ImageReference.parse(ref)).hasSameHashCodeAs(ImageReference.parse(ref));
    }

    static Stream<Arguments> invalid() {
        // reference, expected fragment of the message
        return Stream.of(
                Arguments.of("", "is empty"),
                Arguments.of("UPPER", "must be lowercase; use 'upper'"),
                Arguments.of("Foo/bar", "must be lowercase; use 'foo/bar'"),
                Arguments.of("localhost:5000/App:1", "must be lowercase; use 'localhost:5000/app:1'"),
                Arguments.of("a//b", "empty path component"),
                Arguments.of("/a", "empty path component"),
                Arguments.of("a/", "empty path component"),
                Arguments.of("a:", "tag after ':' is empty"),
                Arguments.of("-a", "path component '-a' is malformed"),
                Arguments.of("a-", "path component 'a-' is malformed"),
                Arguments.of("a..b", "path component 'a..b' is malformed"),
                Arguments.of("a___b", "path component 'a___b' is malformed"),
                Arguments.of("a$b", "path component 'a$b' is malformed"),
                Arguments.of("x:" + "t".repeat(129), "129 characters long, more than the 128 allowed"),
                Arguments.of("a:.tag", "tag '.tag' is malformed"),
                Arguments.of("a:-tag", "tag '-tag' is malformed"),
                Arguments.of("a:t/x", "registry port 't' is not a number"),
                Arguments.of("a b", "contains a space at position 2"),
                Arguments.of("a\tb", "U+0009"),
                Arguments.of("a\u0000b", "contains the character U+0000 at position 2"),
                Arguments.of("a@", "must have the form 'algorithm:hex'"),
                Arguments.of("a@sha256", "must have the form 'algorithm:hex'"),
                Arguments.of("a@sha256:abc", "has 3 hex digits instead of 64"),
                Arguments.of("a@sha256:" + HEX.toUpperCase(), "uppercase hex digits"),
                Arguments.of("a@sha256:" + HEX.substring(1) + "g", "characters other than hex digits"),
                Arguments.of("a@md5:" + HEX, "algorithm 'md5' is not supported"),
                Arguments.of("a@sha256:" + HEX + "@sha256:" + HEX, "more than one '@'"),
                Arguments.of("@sha256:" + HEX, "repository name is empty"),
                Arguments.of(":tag", "repository name is empty"),
                Arguments.of("localhost:port/a", "port 'port' is not a number"),
                Arguments.of("-bad.example.com/a", "host '-bad.example.com' is not a valid host name"),
                Arguments.of("bad..example.com/a", "is not a valid host name"),
                Arguments.of("[::1/a", "unclosed '['"),
                Arguments.of("[zz::1]:5000/a", "not a valid IPv6 address"),
                Arguments.of("[::1]x/a", "registry '[::1]x' is malformed"),
                Arguments.of("example.com/" + "a/".repeat(122) + "abc", "more than the 255 allowed"),
                // found by ImageReferenceProperties against the docker CLI: Docker counts the expanded name
                Arguments.of("b".repeat(238), "256 characters long once Docker expands it with 'docker.io/library/'"),
                Arguments.of("x/" + "b".repeat(244), "256 characters long once Docker expands it with 'docker.io/'"),
                Arguments.of(HEX, "is 64 hexadecimal digits, which Docker reads as an image id"),
                Arguments.of("library/" + HEX + ":1", "'" + HEX + "' is 64 hexadecimal digits"),
                Arguments.of("docker.io/" + HEX, "'" + HEX + "' is 64 hexadecimal digits"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalid")
    void rejectsInvalid(String ref, String fragment) {
        assertThatThrownBy(() -> ImageReference.parse(ref))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageStartingWith("Image reference '")
                .hasMessageContaining("' is invalid: ")
                .hasMessageContaining(fragment)
                .hasMessageEndingWith(".")
                .satisfies(e -> assertThat(((InvalidReferenceException) e).reference()).isEqualTo(ref));
    }

    @Test
    void messagesFollowTheSentenceShape() {
        assertThatThrownBy(() -> ImageReference.parse("Foo/bar"))
                .hasMessage("Image reference 'Foo/bar' is invalid: repository names must be lowercase; use 'foo/bar'.");
        assertThatThrownBy(() -> ImageReference.parse("a\u0000b"))
                .hasMessageStartingWith("Image reference 'a\\u0000b' is invalid:");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ImageReference.parse(null)).isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void nameOfExactly255IsAccepted() {
        String name = "example.com/" + "a".repeat(255 - "example.com/".length());
        assertThat(ImageReference.parse(name + ":t").nameWithoutTag()).hasSize(255);
        assertThatThrownBy(() -> ImageReference.parse(name + "a")).hasMessageContaining("256 characters long");
    }

    @Test
    void dockerHubNamesUpToTheExpandedLimitAreAccepted() {
        assertThat(ImageReference.parse("b".repeat(237)).repository()).hasSize(237); // docker.io/library/ + 237 = 255
        assertThat(ImageReference.parse("x/" + "b".repeat(243) + ":t").tag()).isEqualTo("t");
        assertThat(ImageReference.parse("index.docker.io/" + "b".repeat(237)).domain()).isEqualTo("index.docker.io");
        assertThat(ImageReference.parse("localhost/" + HEX).repository()).isEqualTo(HEX);
        assertThat(ImageReference.parse("x/" + HEX).repository()).isEqualTo("x/" + HEX);
    }

    private static String orNull(String s) {
        return NULL.equals(s) ? null : s;
    }
}
