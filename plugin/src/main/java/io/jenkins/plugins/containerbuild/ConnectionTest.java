package io.jenkins.plugins.containerbuild;

import hudson.util.FormValidation;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The "Test connection" button: connects to a daemon from the controller through the engine (which pings it and
 * negotiates the API version) and closes the connection again. Nothing is built, started or saved.
 */
final class ConnectionTest {

    private ConnectionTest() {}

    static FormValidation ping(ResolvedDaemon daemon) {
        List<String> said = new ArrayList<>();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), event -> {
            if (event instanceof EngineEvent.Phase p) {
                said.add(p.message());
            }
        })) {
            return FormValidation.ok(said.isEmpty() ? Messages.ConnectionTest_Ok(daemon) : said.get(said.size() - 1));
        } catch (ContainerEngineException | IllegalArgumentException e) {
            return FormValidation.error(Messages.ConnectionTest_Failed(daemon, e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FormValidation.error(Messages.ConnectionTest_Failed(daemon, e.toString()));
        }
    }
}
