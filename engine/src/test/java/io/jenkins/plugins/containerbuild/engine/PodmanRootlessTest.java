package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonProduct;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rootless Podman: the lab's user {@code cbpodman}, with subordinate ids, runs the service on its
 * {@code $XDG_RUNTIME_DIR/podman/podman.sock}. Found from that user's environment as Podman's tools find it, it
 * builds with either builder value inside a user namespace (root in the build is the user, not the host's root)
 * and pushes to the plain and the htpasswd registries.
 */
@Timeout(300)
class PodmanRootlessTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void foundInTheUsersRuntimeDirectoryBuildsInAUserNamespaceAndPushes(BuilderKind kind, @TempDir Path dir)
            throws Exception {
        DaemonEndpoint found = PodmanSocket.find(Map.of("XDG_RUNTIME_DIR", lab.podmanRootlessRuntimeDir().toString(),
                "HOME", "/nonexistent"), false);
        assertThat(found).isEqualTo(lab.podmanRootless().endpoint());

        String repo = LabSupport.unique("it/podman-rootless-" + kind);
        String plain = lab.plainRegistry() + "/" + repo + ":1";
        String auth = lab.authRegistry() + "/" + repo + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY data /data\n"
                + "RUN echo " + LabSupport.unique("nocache") + " && echo \"uid map: $(head -n 1 /proc/self/uid_map"
                + " | tr -s ' ' | sed 's/^ //')\"\n", "data", repo);
        String rootlessUid = Lab.exec(List.of("id", "-u", "cbpodman"), null, true).stdout().strip();
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(found, events)) {
            assertThat(engine.daemonProduct().kind()).isEqualTo(DaemonProduct.Kind.PODMAN);
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(plain).tag(auth).builderKind(kind)
                    .networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:");
            assertThat(events.events).as("root in the build is the rootless user on the host")
                    .anyMatch(e -> e instanceof EngineEvent.StepOutput o && o.line().equals("uid map: 0 " + rootlessUid + " 1"));

            assertThat(engine.push(PushRequest.builder().tag(plain).build()).digests())
                    .containsEntry(plain, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            assertThat(engine.push(PushRequest.builder().tag(auth).credentials(lab.registryCredentials()).build())
                    .digests()).containsEntry(auth, LabSupport.registryDigest(lab.authRegistry(), repo, "1",
                    lab.registryCredentials()));
        } finally {
            LabSupport.removeImages(lab.podmanRootless(), plain, auth);
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
        assertThat(lab.docker("image", "ls", "-q", plain).strip()).as("nothing of it on the host daemon").isEmpty();
    }
}
