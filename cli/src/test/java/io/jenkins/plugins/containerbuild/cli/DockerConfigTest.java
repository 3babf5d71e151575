package io.jenkins.plugins.containerbuild.cli;

import static io.jenkins.plugins.containerbuild.cli.SecretSpecTest.assertUsageError;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logins from the docker CLI's config.json: {@code auths} entries, {@code credHelpers} and {@code credsStore} through
 * a {@code docker-credential-test} script on a PATH of the test's own, and which hosts a build gets them for.
 */
class DockerConfigTest {

    @TempDir
    Path dir;

    private Path config;
    private Path bin;
    private Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        config = Files.createDirectories(dir.resolve("docker"));
        bin = Files.createDirectories(dir.resolve("bin"));
        env = new HashMap<>();
        env.put("DOCKER_CONFIG", config.toString());
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    }

    /**
     * A helper that logs its arguments and stdin, then answers per address: {@code helper.example.com} a password,
     * {@code token.example.com} an identity token, {@code broken.example.com} a failure that prints a secret-looking
     * line, anything else "not found".
     */
    private void helperScript(String name) throws Exception {
        Path script = bin.resolve("docker-credential-" + name);
        Files.writeString(script, """
                #!/bin/sh
                log="$DOCKER_CONFIG/helper.log"
                addr=$(cat)
                echo "argv=$* stdin=$addr" >> "$log"
                case "$addr" in
                  helper.example.com) echo '{"ServerURL":"helper.example.com","Username":"hu","Secret":"hp-s3cret"}' ;;
                  token.example.com) echo '{"Username":"<token>","Secret":"tok-s3cret"}' ;;
                  https://index.docker.io/v1/) echo '{"Username":"hub","Secret":"hub-s3cret"}' ;;
                  broken.example.com) echo 'oops leaked-s3cret' ; echo 'leaked-s3cret' >&2 ; exit 3 ;;
                  *) echo 'credentials not found in native keychain' ; exit 1 ;;
                esac
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    private void configJson(String json) throws Exception {
        Files.writeString(config.resolve("config.json"), json);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Optional<RegistryCredentials> lookup(String host) throws Exception {
        return DockerConfig.load(env, Options.Command.BUILD).credentials(host, Options.Command.BUILD);
    }

    @Test
    void authsEntriesAsTheDockerCliWritesThem() throws Exception {
        configJson("""
                {"auths": {
                  "localhost:5001": {"auth": "%s"},
                  "http://plain.example.com:5000/v2/": {"username": "pu", "password": "pp"},
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "id.example.com": {"identitytoken": "idtok"},
                  "empty.example.com": {}
                }, "psFormat": "table"}
                """.formatted(b64("labuser:pa:ss\u0000"), b64("hubuser:hubpass")));
        RegistryCredentials lab = lookup("localhost:5001").orElseThrow();
        assertThat(lab.username()).isEqualTo("labuser");
        assertThat(lab.password()).isEqualTo("pa:ss"); // split at the first colon, trailing NULs trimmed
        assertThat(lookup("plain.example.com:5000").orElseThrow().password()).isEqualTo("pp");
        assertThat(lookup("docker.io").orElseThrow().username()).isEqualTo("hubuser");
        assertThat(lookup("id.example.com").orElseThrow().identityToken()).isEqualTo("idtok");
        assertThat(lookup("empty.example.com")).isEmpty();
        assertThat(lookup("unknown.example.com")).isEmpty();
    }

    @Test
    void noConfigFileMeansNoLogins() throws Exception {
        assertThat(lookup("localhost:5001")).isEmpty();
        env.remove("DOCKER_CONFIG");
        env.put("HOME", dir.toString());
        assertThat(DockerConfig.location(env)).isEqualTo(dir.resolve(".docker/config.json"));
    }

    @Test
    void credHelpersThenAuthsThenCredsStore() throws Exception {
        helperScript("test");
        configJson("""
                {"auths": {"localhost:5001": {"auth": "%s"}, "helper.example.com": {"auth": "%s"}},
                 "credHelpers": {"helper.example.com": "test"},
                 "credsStore": "test"}
                """.formatted(b64("fileuser:filepass"), b64("notme:notme")));
        String before = Files.readString(config.resolve("config.json"));
        var modified = Files.getLastModifiedTime(config.resolve("config.json"));
        // credHelpers wins for its host
        RegistryCredentials helped = lookup("helper.example.com").orElseThrow();
        assertThat(helped.username()).isEqualTo("hu");
        assertThat(helped.password()).isEqualTo("hp-s3cret");
        // an auths entry with a login comes before the credsStore
        assertThat(lookup("localhost:5001").orElseThrow().username()).isEqualTo("fileuser");
        // the credsStore: an identity token, Docker Hub under its docker login address, "not found" as none
        assertThat(lookup("token.example.com").orElseThrow().identityToken()).isEqualTo("tok-s3cret");
        assertThat(lookup("docker.io").orElseThrow().password()).isEqualTo("hub-s3cret");
        assertThat(lookup("nothing.example.com")).isEmpty();
        // the helper got "get" as its only argument and the address on stdin: nothing secret in argv or env
        assertThat(Files.readAllLines(config.resolve("helper.log"))).containsExactly(
                "argv=get stdin=helper.example.com", "argv=get stdin=token.example.com",
                "argv=get stdin=https://index.docker.io/v1/", "argv=get stdin=nothing.example.com");
        assertThat(Files.readString(config.resolve("config.json"))).as("never written").isEqualTo(before);
        assertThat(Files.getLastModifiedTime(config.resolve("config.json"))).isEqualTo(modified);
    }

    @Test
    void aBuildGetsTheLoginsOfTheRegistriesItPullsFromAndNoOthers() throws Exception {
        helperScript("test");
        configJson("""
                {"auths": {"localhost:5001": {"auth": "%s"}, "localhost:5002": {"auth": "%s"},
                           "unused.example.com": {"auth": "%s"}},
                 "credHelpers": {"helper.example.com": "test", "broken.example.com": "test"}}
                """.formatted(b64("a:1"), b64("b:2"), b64("c:3")));
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), """
                ARG BASE=localhost:5001/base:1
                FROM --platform=linux/amd64 ${BASE} AS first
                FROM first
                COPY --from=helper.example.com/tools:1 /t /t
                FROM scratch
                """);
        BuildRequest request = request(context, "--cache-from", "localhost:5002/cache:1", "--tag", "a:1");
        assertThat(request.pullCredentials()).containsOnlyKeys("localhost:5001", "helper.example.com",
                "localhost:5002");
        assertThat(request.pullCredentials().get("helper.example.com").password()).isEqualTo("hp-s3cret");
        assertThat(request.pullCredentials().get("localhost:5002").username()).isEqualTo("b");
        // the helper was asked for its own host only, not for broken.example.com
        assertThat(Files.readAllLines(config.resolve("helper.log"))).containsExactly(
                "argv=get stdin=helper.example.com");
        // with --file, that Dockerfile decides
        Path other = Files.writeString(dir.resolve("Other.Dockerfile"), "FROM localhost:5002/x:1\n");
        assertThat(request(context, "--file", other.toString(), "--tag", "a:1").pullCredentials())
                .containsOnlyKeys("localhost:5002");
    }

    @Test
    void aFailingHelperIsAUsageErrorThatNamesItButNotItsOutput() throws Exception {
        helperScript("test");
        configJson("{\"credHelpers\": {\"broken.example.com\": \"test\"}}");
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM broken.example.com/base:1\n");
        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1");
        assertUsageError(r, "docker-credential-test", "broken.example.com", "exit status 3");
        assertThat(r.err()).doesNotContain("leaked-s3cret").doesNotContain("oops");
    }

    @Test
    void aMissingHelperOrABadHelperNameIsAUsageError() throws Exception {
        configJson("{\"credsStore\": \"absent\"}");
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM localhost:5001/base:1\n");
        assertUsageError(CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1"),
                "docker-credential-absent, named by credsStore in " + config.resolve("config.json"),
                "is not on PATH");
        configJson("{\"credsStore\": \"../../bin/sh\"}");
        assertUsageError(CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1"),
                "'../../bin/sh'", "is not a plain name");
        assertUsageError(CliRun.runWith(env, "", "push", "--tag", "localhost:5001/x:1"), "'../../bin/sh'");
    }

    @Test
    void aHelperThatHangsIsStoppedWithAUsageError() throws Exception {
        // not waited out here (60 s): a helper that answers garbage is refused the same way, naming it
        Path script = bin.resolve("docker-credential-garbage");
        Files.writeString(script, "#!/bin/sh\ncat >/dev/null\necho 'not json s3cret'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        configJson("{\"credsStore\": \"garbage\"}");
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM localhost:5001/base:1\n");
        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1");
        assertUsageError(r, "docker-credential-garbage", "is not {\"Username\"");
        assertThat(r.err()).doesNotContain("s3cret");
    }

    @Test
    void aMalformedConfigFileIsAUsageErrorThatDoesNotQuoteIt() throws Exception {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM localhost:5001/base:1\n");
        configJson("{\"auths\": {\"localhost:5001\": {\"auth\": \"s3cret-in-a-broken-file\"");
        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1");
        assertUsageError(r, "The docker config file " + config.resolve("config.json"), "not valid JSON");
        assertThat(r.err()).doesNotContain("s3cret");
        configJson("{\"auths\": {\"localhost:5001\": {\"auth\": \"" + b64("no-colon-s3cret") + "\"}}}");
        r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", "a:1");
        assertUsageError(r, "auths[\"localhost:5001\"]", "is malformed", "not base64 of user:password");
        assertThat(r.err()).doesNotContain("s3cret");
        configJson("{\"auths\": {\"localhost:5001\": {\"auth\": \"%%%\"}}}");
        assertUsageError(CliRun.runWith(env, "", "push", "--tag", "localhost:5001/x:1"), "auths[\"localhost:5001\"]",
                "not base64");
    }

    private BuildRequest request(Path context, String... more) throws Exception {
        String[] args = new String[3 + more.length];
        args[0] = "build";
        args[1] = "--context";
        args[2] = context.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        Options o = Arguments.parse(args);
        return BuildCommand.request(new Invocation(o, null, null, new ConsoleEvents(System.err), env, dir));
    }
}
