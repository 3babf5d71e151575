package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --secret} in the docker CLI's and buildx's syntax, and the exit-2 cases of bad secrets. */
class SecretSpecTest {

    private static final Map<String, String> NO_DAEMON = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");

    @TempDir
    Path dir;

    @Test
    void parsesTheBuildxForms() {
        assertThat(SecretSpec.parse("id=npm,src=/run/npmrc")).isEqualTo(new SecretSpec("npm", "/run/npmrc", null));
        assertThat(SecretSpec.parse("id=npm,source=npmrc")).isEqualTo(new SecretSpec("npm", "npmrc", null));
        assertThat(SecretSpec.parse("type=file,id=npm,src=npmrc")).isEqualTo(new SecretSpec("npm", "npmrc", null));
        assertThat(SecretSpec.parse("id=tok,env=API_TOKEN")).isEqualTo(new SecretSpec("tok", null, "API_TOKEN"));
        // type=env takes src as the variable's name
        assertThat(SecretSpec.parse("type=env,id=tok,src=API_TOKEN")).isEqualTo(new SecretSpec("tok", null, "API_TOKEN"));
        // keys are case-insensitive; a quoted field may hold a comma
        assertThat(SecretSpec.parse("ID=a,\"src=/tmp/x,y\"")).isEqualTo(new SecretSpec("a", "/tmp/x,y", null));
    }

    @Test
    void theIdDefaultsAsBuildxDocumentsIt() {
        assertThat(SecretSpec.parse("src=/home/ci/.aws/credentials")).isEqualTo(new SecretSpec("credentials",
                "/home/ci/.aws/credentials", null));
        assertThat(SecretSpec.parse("env=API_TOKEN")).isEqualTo(new SecretSpec("API_TOKEN", null, "API_TOKEN"));
        assertThat(SecretSpec.parse("type=env,id=API_TOKEN")).isEqualTo(new SecretSpec("API_TOKEN", null, "API_TOKEN"));
        assertThat(SecretSpec.parse("type=file,id=npmrc")).isEqualTo(new SecretSpec("npmrc", "npmrc", null));
        // only an id: decided when read, the variable of that name if set, else the file
        assertThat(SecretSpec.parse("id=TOKEN")).isEqualTo(new SecretSpec("TOKEN", null, null));
    }

    @Test
    void onlyAnIdReadsTheVariableWhenSetElseTheFile() throws Exception {
        Files.writeString(dir.resolve("TOKEN"), "from-file");
        SecretSpec spec = SecretSpec.parse("id=TOKEN");
        assertThat(new String(spec.read(Map.of("TOKEN", "from-env"), dir, Options.Command.BUILD), StandardCharsets.UTF_8))
                .isEqualTo("from-env");
        assertThat(new String(spec.read(Map.of(), dir, Options.Command.BUILD), StandardCharsets.UTF_8))
                .isEqualTo("from-file");
    }

    @Test
    void readsFilesRelativeToTheWorkingDirectoryByteForByte() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff, '\n', '\r'};
        Files.write(dir.resolve("bin.secret"), bytes);
        Options o = Arguments.parse(new String[] {"build", "--context", ".", "--tag", "a:1",
            "--secret", "id=bin,src=bin.secret", "--secret", "id=tok,env=API_TOKEN"});
        BuildRequest request = BuildCommand.request(new Invocation(o, null, null, new ConsoleEvents(System.err),
                Map.of("API_TOKEN", "t0ken"), dir));
        assertThat(request.secrets()).containsOnlyKeys("bin", "tok");
        assertThat(request.secrets().get("bin").bytes()).isEqualTo(bytes);
        assertThat(request.secrets().get("tok").bytes()).isEqualTo("t0ken".getBytes(StandardCharsets.UTF_8));
        assertThat(request.secrets().toString()).doesNotContain("t0ken");
    }

    @Test
    void malformedSpecsAreUsageErrorsNamingTheFlag() {
        assertUsageError(build("--secret", "npm"), "--secret 'npm' is malformed", "not KEY=VALUE");
        assertUsageError(build("--secret", "id=npm,type=ssh"), "--secret", "type 'ssh' is not supported");
        assertUsageError(build("--secret", "id=npm,required=true"), "--secret", "key 'required' is unknown");
        assertUsageError(build("--secret", "id=npm,src=a,env=B"), "--secret", "src and env are both given");
        assertUsageError(build("--secret", "type=env"), "--secret", "names no secret");
        assertUsageError(build("--secret", "\"id=npm"), "--secret", "double quote is not closed");
        assertUsageError(build("--secret", "id=a b,src=" + SecretSpecTest.class.getResource("SecretSpecTest.class")
                .getPath()), "--secret", "id 'a b' is invalid");
        assertUsageError(run("push", "--tag", "a:1", "--secret", "id=a,src=x"), "--secret does not apply to push");
    }

    @Test
    void anUnreadableFileOrUnsetVariableIsAUsageError() throws Exception {
        assertUsageError(build("--secret", "id=npm,src=" + dir.resolve("missing")), "--secret id=npm",
                "missing does not exist");
        assertUsageError(build("--secret", "id=npm,src=" + dir), "--secret id=npm", "is not a regular file");
        assertUsageError(build("--secret", "id=tok,env=SURELY_NOT_SET_42"), "--secret id=tok",
                "SURELY_NOT_SET_42 is not set");
        Files.write(dir.resolve("big"), new byte[SecretSpec.MAX_BYTES + 1]);
        assertUsageError(build("--secret", "id=big,src=" + dir.resolve("big")), "--secret id=big",
                "larger than 500 KiB");
        Path unreadable = Files.writeString(dir.resolve("locked"), "x");
        Files.setPosixFilePermissions(unreadable, java.util.Set.of());
        if (!Files.isReadable(unreadable)) { // root reads any file
            assertUsageError(build("--secret", "id=l,src=" + unreadable), "--secret id=l", "cannot be read");
        }
        Files.writeString(dir.resolve("twice"), "x");
        assertUsageError(build("--secret", "id=t,src=" + dir.resolve("twice"), "--secret", "id=t,src=" + dir.resolve("twice")),
                "--secret", "'t' is given twice");
    }

    private CliRun build(String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "build";
        args[1] = "--context";
        args[2] = dir.toString();
        args[3] = "--tag=a:1";
        System.arraycopy(more, 0, args, 4, more.length);
        return run(args);
    }

    private CliRun run(String... args) {
        return CliRun.runWith(NO_DAEMON, "", args);
    }

    static void assertUsageError(CliRun r, String... problem) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(problem).contains("Usage: containerbuild").doesNotContain("Exception", "\tat ");
        assertThat(r.err().lines().filter(l -> l.startsWith("containerbuild: ")).count()).as("one-line cause")
                .isEqualTo(1);
    }
}
