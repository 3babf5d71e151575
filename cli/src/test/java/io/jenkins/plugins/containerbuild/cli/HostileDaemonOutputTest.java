package io.jenkins.plugins.containerbuild.cli;

import static io.jenkins.plugins.containerbuild.engine.HostileTextDaemon.assertPrintable;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.HostileTextDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI prints of a hostile daemon's text ({@link HostileTextDaemon}: a forged {@code ==> Pushed ...} line
 * after a line break, and terminal escapes, in the host name it asks credentials for, in step names, output, errors,
 * statuses and digests) has its control characters escaped, on stderr and on stdout, and forges no line.
 */
@Timeout(120)
class HostileDaemonOutputTest {

    @TempDir
    Path dir;

    private Map<String, String> env() throws Exception {
        Path config = Files.createDirectories(dir.resolve("docker"));
        // a login for the Dockerfile's registry, so that the build's session offers the auth service
        Files.writeString(config.resolve("config.json"),
                "{\"auths\": {\"registry.example.com\": {\"username\": \"ci\", \"password\": \"pw\"}}}");
        return Map.of("DOCKER_HOST", "unix://" + dir.resolve("daemon.sock"), "DOCKER_CONFIG", config.toString());
    }

    @Test
    void aBuildPrintsTheDaemonsTextEscaped() throws Exception {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM registry.example.com/base:1\nRUN make\n");
        try (HostileTextDaemon daemon = new HostileTextDaemon(dir.resolve("daemon.sock"))) {
            CliRun r = CliRun.runWith(env(), "", "build", "--context", context.toString(), "--tag",
                    "hostile-text:fail");
            assertThat(r.exit()).isEqualTo(ContainerBuildCli.FAILED);
            assertThat(r.err()).contains("credentials for evil.example.com\\n==> Pushed localhost:5000/forged:1");
            assertPrintable(r.err());
            assertThat(daemon.scriptFailure()).isNull();
        }
    }

    @Test
    void aPushPrintsTheDaemonsAndTheRegistrysTextEscaped() throws Exception {
        try (HostileTextDaemon daemon = new HostileTextDaemon(dir.resolve("daemon.sock"))) {
            CliRun ok = CliRun.runWith(env(), "", "push", "--tag", "localhost:5000/hostile-text:ok", "--json");
            assertThat(ok.exit()).isEqualTo(ContainerBuildCli.OK);
            assertPrintable(ok.err());
            assertPrintable(ok.out());
            CliRun refused = CliRun.runWith(env(), "", "push", "--tag", "localhost:5000/hostile-text:no");
            assertThat(refused.exit()).isEqualTo(ContainerBuildCli.FAILED);
            assertPrintable(refused.err());
        }
    }
}
