package io.jenkins.plugins.containerbuild;

import static io.jenkins.plugins.containerbuild.engine.HostileTextDaemon.assertPrintable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.BuildRequest;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.HostileTextDaemon;
import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build log of the plugin's steps shows a hostile daemon's text ({@link HostileTextDaemon}: a forged
 * {@code ==> Pushed ...} line after a line break, and terminal escapes, in every string it supplies) with its control
 * characters escaped, and so does the step's error that Jenkins prints.
 */
@Timeout(120)
class HostileDaemonLogTest {

    @TempDir
    Path dir;

    @Test
    void aBuildsLogAndErrorShowTheDaemonsTextEscaped() throws Exception {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(context.resolve("Dockerfile"), "FROM registry.example.com/base:1\nRUN make\n");
        CapturingListener listener = new CapturingListener();
        BuildLog log = new BuildLog(listener.getLogger(), ContainerBuildStep.FUNCTION_NAME, List.of());
        Throwable failure;
        try (HostileTextDaemon daemon = new HostileTextDaemon(dir.resolve("daemon.sock"));
             ContainerEngine engine = Engines.connect(ResolvedDaemon.socket(dir.resolve("daemon.sock").toString()),
                     log, null)) {
            BuildRequest request = BuildRequest.builder(context).tag("hostile-text:fail")
                    .pullCredentials("registry.example.com", new RegistryCredentials("ci", "pw")).build();
            failure = catchThrowable(() -> engine.build(request));
            assertThat(daemon.scriptFailure()).isNull();
        }
        assertThat(failure).isInstanceOf(ContainerEngineException.class);
        // what Jenkins prints as the step's error
        assertPrintable(Engines.abort((ContainerEngineException) failure).getMessage());
        assertThat(listener.log()).contains("credentials for evil.example.com\\n==> Pushed localhost:5000/forged:1");
        assertPrintable(listener.log());
    }

    @Test
    void aPushsLogAndErrorShowTheDaemonsAndTheRegistrysTextEscaped() throws Exception {
        CapturingListener listener = new CapturingListener();
        ResolvedDaemon daemon = ResolvedDaemon.socket(dir.resolve("daemon.sock").toString());
        try (HostileTextDaemon hostile = new HostileTextDaemon(dir.resolve("daemon.sock"))) {
            Map<String, String> digests = new PushImageCallable(daemon, List.of("localhost:5000/hostile-text:ok"),
                    Map.of(), null, 0, null, false, listener).invoke(dir.toFile(), null);
            assertPrintable(digests.toString());
            Throwable refused = catchThrowable(() -> new PushImageCallable(daemon,
                    List.of("localhost:5000/hostile-text:no"), Map.of(), null, 0, null, false, listener)
                    .invoke(dir.toFile(), null));
            assertThat(refused).isInstanceOf(AbortException.class);
            assertPrintable(refused.getMessage());
        }
        assertPrintable(listener.log());
    }
}
