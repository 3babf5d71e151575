package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command lines the CLI must refuse with exit 2 before it contacts any daemon, and the help texts. */
class UsageErrorsTest {

    @TempDir
    Path dir;

    /** An environment naming a daemon that does not exist: a usage error must come before any connection. */
    private static final Map<String, String> NO_DAEMON = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");

    private CliRun run(String... args) {
        return CliRun.runWith(NO_DAEMON, "", args);
    }

    private void assertUsageError(CliRun r, String... problem) {
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(problem).contains("Usage: containerbuild").doesNotContain("Exception", "\tat ");
    }

    @Test
    void unknownOption() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--frobnicate"),
                "Unknown option '--frobnicate'");
    }

    @Test
    void unknownCommand() {
        assertUsageError(run("deploy", "--tag", "a:1"), "Unknown command 'deploy'");
    }

    @Test
    void missingTag() {
        assertUsageError(run("build", "--context", dir.toString()), "Missing --tag");
        assertUsageError(run("push"), "Missing --tag");
    }

    @Test
    void missingContext() {
        assertUsageError(run("build", "--tag", "a:1"), "Missing --context");
    }

    @Test
    void badTagReference() {
        CliRun r = run("build", "--context", dir.toString(), "--tag", "UPPER/x");
        assertUsageError(r, "UPPER/x", "lowercase");
        assertUsageError(run("push", "--tag", "UPPER/x"), "UPPER/x");
    }

    @Test
    void buildArgWithoutEquals() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--build-arg", "=value"),
                "--build-arg '=value' is not KEY=VALUE");
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--label", "=v"),
                "--label '=v' is not KEY=VALUE");
    }

    @Test
    void dockerfileAndPasswordCannotBothComeFromStdin() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "localhost:5001/x:1", "--file", "-",
                "--push", "--username", "u", "--password-stdin"), "--file - and --password-stdin both read standard"
                + " input");
        assertUsageError(run("build", "--context", "-", "--file", "-", "--tag", "a:1"),
                "--context - and --file - both read standard input");
        assertUsageError(run("build", "--context", "-", "--tag", "localhost:5001/x:1", "--push", "--username", "u",
                "--password-stdin"), "--context - and --password-stdin both read standard input");
    }

    @Test
    void optionWithoutValue() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag"), "Option --tag needs a value");
    }

    @Test
    void passwordOnTheCommandLineDoesNotExist() {
        CliRun r = run("push", "--tag", "localhost:5001/x:1", "--username", "u", "--password", "hunter2");
        assertUsageError(r, "--password does not exist", "--password-stdin");
        assertThat(r.err()).doesNotContain("hunter2");
    }

    @Test
    void pushTimeoutIsADurationWithAUnit() throws Exception {
        assertUsageError(run("push", "--tag", "localhost:5001/x:1", "--timeout", "10"), "--timeout '10' is not a duration");
        assertUsageError(run("push", "--tag", "localhost:5001/x:1", "--timeout", "0m"), "is not a duration");
        assertUsageError(run("push", "--tag", "localhost:5001/x:1", "--timeout", "999999999h"),
                "--timeout '999999999h' is too long: give at most 168h.");
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--timeout", "5m"),
                "--timeout");
        assertThat(Arguments.parse(new String[] {"push", "--tag", "a:1", "--timeout", "20m"}).timeout)
                .isEqualTo(java.time.Duration.ofMinutes(20));
        assertThat(Arguments.parse(new String[] {"push", "--tag", "a:1", "--timeout=90s"}).timeout)
                .isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(Arguments.parse(new String[] {"push", "--tag", "a:1"}).timeout).isNull();
    }

    @Test
    void usernameNeedsPasswordStdin() {
        assertUsageError(run("push", "--tag", "localhost:5001/x:1", "--username", "u"), "--password-stdin");
    }

    @Test
    void emptyPasswordOnStdin() {
        CliRun r = CliRun.runWith(NO_DAEMON, "\n", "push", "--tag", "localhost:5001/x:1", "--username", "u",
                "--password-stdin");
        assertUsageError(r, "empty password");
    }

    @Test
    void buildOnlyOptionOnPush() {
        assertUsageError(run("push", "--tag", "a:1", "--no-cache"), "--no-cache does not apply to push");
    }

    @Test
    void pushOptionsOnBuildNeedPush() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--timeout", "5m"),
                "--timeout applies to a push: add --push");
        assertUsageError(CliRun.runWith(NO_DAEMON, "secret\n", "build", "--context", dir.toString(), "--tag", "a:1",
                "--username", "u", "--password-stdin"), "--username applies to a push: add --push");
        assertUsageError(run("push", "--tag", "a:1", "--push"), "--push does not apply to push");
    }

    @Test
    void buildPushNeedsATagAndNoOutput() {
        assertUsageError(run("build", "--context", dir.toString(), "--push", "-o", dir.resolve("out").toString()),
                "--push cannot be combined with --output");
        assertUsageError(run("build", "--context", dir.toString(), "--push"), "--push needs a --tag");
    }

    @Test
    void buildPushReadsThePasswordBeforeItBuilds() {
        CliRun r = CliRun.runWith(NO_DAEMON, "\n", "build", "--context", dir.toString(), "--tag", "localhost:5001/x:1",
                "--push", "--username", "u", "--password-stdin");
        assertUsageError(r, "empty password");
    }

    @Test
    void badPlatform() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--platform", "linux/amd64,linux/arm64"),
                "names several platforms");
        assertUsageError(run("push", "--tag", "a:1", "--platform", "linux/arm64"), "--platform does not apply to push");
    }

    @Test
    void badBuilderAndSecurityProfile() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--builder", "kaniko"),
                "Unknown builder 'kaniko'");
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--dind", "dind:local",
                "--dind-security", "root"), "Unknown DinD security profile 'root'");
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--dind-cache", "v"),
                "apply only with --dind");
    }

    @Test
    void incompleteTls() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--host", "tcp://127.0.0.1:2376",
                "--tls-ca", "ca.pem"), "--tls-ca, --tls-cert and --tls-key");
    }

    @Test
    void tlsFileMissing() {
        assertUsageError(run("build", "--context", dir.toString(), "--tag", "a:1", "--host", "tcp://127.0.0.1:2376",
                "--tls-ca", "nope-ca.pem", "--tls-cert", "nope-cert.pem", "--tls-key", "nope-key.pem"),
                "nope-ca.pem", "does not exist");
    }

    @Test
    void helpGoesToStdoutWithExitZero() {
        CliRun general = run("--help");
        assertThat(general.exit()).isZero();
        assertThat(general.out()).contains("Commands:", "build", "push");
        CliRun build = run("build", "--help");
        assertThat(build.exit()).isZero();
        assertThat(build.out()).contains("--context DIR", "--build-arg K=V", "--dind IMAGE", "--json");
        CliRun push = run("push", "--help");
        assertThat(push.exit()).isZero();
        assertThat(push.out()).contains("--password-stdin").doesNotContain("--password ");
    }

    @Test
    void noArgumentsIsAUsageError() {
        assertUsageError(run(), "No command given");
    }
}
