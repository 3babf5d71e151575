package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.nio.file.Path;

/** Run in a child JVM without DAC override: connects to the socket given and prints the exception it gets. */
public final class PermissionProbe {

    private PermissionProbe() {}

    public static void main(String[] args) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(Path.of(args[0])),
                EventSink.discard())) {
            System.out.println("connected " + engine.endpoint());
        } catch (ContainerEngineException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
