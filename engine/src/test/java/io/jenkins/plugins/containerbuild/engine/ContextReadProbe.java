package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.nio.file.Path;

/**
 * Run in a child JVM without DAC override (root would read anything): builds the context given on the daemon
 * socket given, tagging the image with the tag given, and prints {@code built ID} or the exception it gets.
 */
public final class ContextReadProbe {

    private ContextReadProbe() {}

    public static void main(String[] args) throws Exception {
        Path context = Path.of(args[0]);
        try (ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(Path.of(args[1])),
                EventSink.discard())) {
            BuildResult r = engine.build(BuildRequest.builder(context).builderKind(BuilderKind.parse(args[3]))
                    .networkMode("none").tag(args[2]).build());
            System.out.println("built " + r.imageId());
        } catch (ContainerEngineException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
