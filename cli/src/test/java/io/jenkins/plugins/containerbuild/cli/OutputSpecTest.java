package io.jenkins.plugins.containerbuild.cli;

import static io.jenkins.plugins.containerbuild.cli.SecretSpecTest.assertUsageError;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.BuildOutput;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --output}/{@code -o} in buildx's syntax, and {@code --tag} becoming optional with it. */
class OutputSpecTest {

    private static final Map<String, String> NO_DAEMON = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");

    @TempDir
    Path dir;

    @Test
    void parsesTheBuildxForms() {
        assertThat(OutputSpec.parse("dist")).isEqualTo(new OutputSpec(false, "dist"));
        assertThat(OutputSpec.parse("type=local,dest=out/dir")).isEqualTo(new OutputSpec(false, "out/dir"));
        assertThat(OutputSpec.parse("type=tar,dest=out.tar")).isEqualTo(new OutputSpec(true, "out.tar"));
        assertThat(OutputSpec.parse("dest=a.tar,TYPE=tar")).isEqualTo(new OutputSpec(true, "a.tar"));
        assertThat(OutputSpec.parse("type=local,\"dest=a,b\"")).isEqualTo(new OutputSpec(false, "a,b"));
        // as in buildx, one field without type= is a directory, whatever it looks like
        assertThat(OutputSpec.parse("dest=x")).isEqualTo(new OutputSpec(false, "dest=x"));
    }

    @Test
    void theOutputIsResolvedAgainstTheWorkingDirectoryAndTheTagBecomesOptional() throws Exception {
        assertThat(request("--output", "dist").output()).isEqualTo(new BuildOutput.Local(dir.resolve("dist")));
        assertThat(request("-o", "type=tar,dest=../x.tar").output())
                .isEqualTo(new BuildOutput.Tar(dir.getParent().resolve("x.tar")));
        assertThat(request("-o=" + dir.resolve("abs")).output()).isEqualTo(new BuildOutput.Local(dir.resolve("abs")));
        BuildRequest tagged = request("--output=dist", "--tag", "a:1");
        assertThat(tagged.tags()).containsExactly("a:1");
        assertThat(request("--output", "dist").tags()).isEmpty();
    }

    @Test
    void badOutputsAreUsageErrorsNamingTheFlag() {
        assertUsageError(build("--output", "type=image,name=a:1"), "--output", "key 'name' is not supported");
        assertUsageError(build("--output", "type=registry"), "--output", "type 'registry' is not supported");
        assertUsageError(build("--output", "type=local"), "--output", "type=local needs dest=DIR");
        assertUsageError(build("--output", "type=tar,dest=-"), "--output dest=- (standard output) is not supported");
        assertUsageError(build("-o", "-"), "--output '-'", "is not supported");
        assertUsageError(build("--output", "dest=x,dest=y"), "--output 'dest=x,dest=y' is malformed: it has no type");
        assertUsageError(build("--output", "type=local,compression"), "--output", "'compression' is not KEY=VALUE");
        assertUsageError(build("-o", "a", "-o", "b"), "Option --output was given twice");
        assertUsageError(CliRun.runWith(NO_DAEMON, "", "build", "--context", dir.toString()), "Missing --tag",
                "or an --output");
        assertUsageError(CliRun.runWith(NO_DAEMON, "", "push", "-o", "x", "--tag", "a:1"),
                "--output does not apply to push");
    }

    @Test
    void theHelpNamesTheNewOptions() {
        CliRun help = CliRun.runWith(NO_DAEMON, "", "build", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--secret id=ID,src=FILE", "--secret id=ID,env=VAR", "--ssh default",
                "--ssh ID=KEYFILE", "-o, --output DIR", "type=tar,dest=FILE");
    }

    private BuildRequest request(String... more) throws Exception {
        Options o = Arguments.parse(args(more));
        return BuildCommand.request(new Invocation(o, null, null, new ConsoleEvents(System.err), Map.of(), dir));
    }

    private CliRun build(String... more) {
        String[] a = args(more);
        return CliRun.runWith(NO_DAEMON, "", a);
    }

    private String[] args(String... more) {
        String[] args = new String[3 + more.length];
        args[0] = "build";
        args[1] = "--context";
        args[2] = dir.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return args;
    }
}
