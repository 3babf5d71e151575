package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One sidecar for several engines ({@link SharedSidecar}), and the rule that two daemons never share a cache volume:
 * while a sidecar runs on a volume, a second one (of any owner) is refused, as is any sidecar on a volume that some
 * other running container mounts; of two sidecars started at once on one volume exactly one starts.
 */
class SharedSidecarTest {

    private final Lab lab = Lab.get();

    private DaemonEndpoint.Dind dind(String owner, String volume) {
        return new DaemonEndpoint.Dind(lab.dood(), DindOptions.of(lab.dindImage()).withCacheVolume(volume)
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
    }

    /**
     * A sidecar let go (its process lost the controller that asked for it) keeps running, and is adopted again by its
     * container id, label and owner: its client identity is read back from the container, nowhere else. An adoption
     * that names another owner is refused; one of a removed sidecar says it is gone.
     */
    @Test
    void aSidecarLetGoIsAdoptedAgainByItsIdLabelAndOwner() throws Exception {
        String owner = LabSupport.unique("SharedSidecarTest-adopt");
        try {
            SharedSidecar first = SharedSidecar.start(dind(owner, null), Timeouts.defaults(), new RecordingSink());
            String id = first.containerId();
            String label = first.label();
            // the client identity kept for that lives in the container, readable by root there only
            assertThat(lab.docker("exec", id, "stat", "-c", "%a %u", "/containerbuild-tls",
                    "/containerbuild-tls/client-key.pem", "/containerbuild-tls/client-cert.pem").strip().split("\n"))
                    .containsExactly("700 0", "600 0", "600 0");
            first.letGo();
            assertThat(running(id)).as("let go, not removed").isTrue();
            first.close();
            assertThat(running(id)).as("close() after letGo() removes nothing").isTrue();

            assertThatThrownBy(() -> SharedSidecar.adopt(lab.dood(), id, label, "someone-else", Timeouts.defaults(),
                    new RecordingSink())).isInstanceOf(DindSidecarDiedException.class)
                    .hasMessageContaining("is not the sidecar of someone-else");
            RecordingSink events = new RecordingSink();
            try (SharedSidecar again = SharedSidecar.adopt(lab.dood(), id, label, owner, Timeouts.defaults(), events);
                 ContainerEngine engine = again.attach(new RecordingSink())) {
                assertThat(again.containerId()).isEqualTo(id);
                assertThat(engine.inspect("no-such-image-" + label)).isEmpty();
            }
            assertThat(LabSupport.labelledContainers(owner)).as("the adopted sidecar's close() removed it").isEmpty();
            assertThatThrownBy(() -> SharedSidecar.adopt(lab.dood(), id, label, owner, Timeouts.defaults(),
                    new RecordingSink())).isInstanceOf(DindSidecarDiedException.class)
                    .hasMessageContaining("is not on");
        } finally {
            LabSupport.labelledContainers(owner).forEach(id -> lab.docker("rm", "-fv", id));
        }
    }

    @Test
    void enginesAttachOneAfterTheOtherAndASecondSidecarOnTheVolumeIsRefused(@TempDir Path dir) throws Exception {
        String owner = LabSupport.unique("SharedSidecarTest");
        String other = LabSupport.unique("SharedSidecarTest-other");
        String volume = LabSupport.unique("cb-shared-cache");
        String tag = lab.plainRegistry() + "/containerbuild-test/shared-" + owner.toLowerCase(java.util.Locale.ROOT) + ":1";
        LabSupport.context(dir, "FROM " + lab.registryBaseImage() + "\nRUN echo " + owner + " > /made\n");
        RecordingSink sidecarEvents = new RecordingSink();
        try {
            String containerId;
            try (SharedSidecar sidecar = SharedSidecar.start(dind(owner, volume), Timeouts.defaults(), sidecarEvents)) {
                containerId = sidecar.containerId();
                String imageId;
                try (ContainerEngine build = sidecar.attach(new RecordingSink())) {
                    imageId = build.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build()).imageId();
                }
                assertThat(running(containerId)).as("closing an attached engine leaves the sidecar").isTrue();

                // a second sidecar on the same volume, as another block or step would start it, is refused
                assertThatThrownBy(() -> ContainerEngine.connect(dind(other, volume), new RecordingSink()))
                        .isInstanceOf(CacheVolumeInUseException.class)
                        .hasMessageContaining("cache volume " + volume + " is in use by the DinD sidecar "
                                + containerId.substring(0, 12) + " of " + owner)
                        .hasMessageContaining("another cache volume");
                assertThat(LabSupport.labelledContainers(other)).as("the refused sidecar is removed").isEmpty();

                // the next engine finds what the first one built, and pushes it from the same daemon
                try (ContainerEngine push = sidecar.attach(new RecordingSink())) {
                    assertThat(push.inspect(tag)).map(ContainerEngine.ImageInfo::id).contains(imageId);
                    PushResult pushed = push.push(PushRequest.builder().tag(tag).build());
                    assertThat(pushed.digests().get(tag)).startsWith("sha256:");
                }
            }
            assertThat(LabSupport.labelledContainers(owner)).as("close() removed the sidecar").isEmpty();
            assertThat(sidecarEvents.allText()).contains("DinD sidecar " + containerId.substring(0, 12) + " removed");
            // the volume is free again
            try (ContainerEngine again = ContainerEngine.connect(dind(other, volume), new RecordingSink())) {
                assertThat(again.inspect(tag)).as("the cache volume kept the image").isPresent();
            }
        } finally {
            LabSupport.labelledContainers(owner).forEach(id -> lab.docker("rm", "-fv", id));
            LabSupport.labelledContainers(other).forEach(id -> lab.docker("rm", "-fv", id));
            lab.run(null, "volume", "rm", "-f", volume);
        }
    }

    @Test
    void aRunningContainerOfAnyKindOnTheVolumeBlocksASidecar() throws Exception {
        String owner = LabSupport.unique("SharedSidecarTest-blocked");
        String volume = LabSupport.unique("cb-shared-cache");
        String holder = lab.docker("run", "-d", "--network", "none", "--label", "io.jenkins.containerbuild.test="
                + owner, "-v", volume + ":/data", lab.baseImage(), "sleep", "120").strip();
        try {
            assertThatThrownBy(() -> ContainerEngine.connect(dind(owner, volume), new RecordingSink()))
                    .isInstanceOf(CacheVolumeInUseException.class)
                    .hasMessageContaining("in use by the container " + holder.substring(0, 12) + " ("
                            + lab.baseImage() + ")");
            assertThat(LabSupport.labelledContainers(owner)).isEmpty();
        } finally {
            lab.docker("rm", "-fv", holder);
            LabSupport.labelledContainers(owner).forEach(id -> lab.docker("rm", "-fv", id));
            lab.run(null, "volume", "rm", "-f", volume);
        }
    }

    @Test
    void aSidecarCreatedEarlierOnTheVolumeKeepsItThoughItHasNotStartedYet() throws Exception {
        String owner = LabSupport.unique("SharedSidecarTest-later");
        String volume = LabSupport.unique("cb-shared-cache");
        // what another engine leaves between creating its sidecar and starting it
        String earlier = lab.docker("create", "--network", "none", "--label", "io.jenkins.containerbuild.role=dind",
                "--label", "io.jenkins.containerbuild.owner=" + owner + "-earlier", "-v", volume + ":/var/lib/docker",
                lab.baseImage(), "sleep", "120").strip();
        try {
            assertThatThrownBy(() -> ContainerEngine.connect(dind(owner, volume), new RecordingSink()))
                    .isInstanceOf(CacheVolumeInUseException.class)
                    .hasMessageContaining("DinD sidecar " + earlier.substring(0, 12) + " of " + owner + "-earlier");
            assertThat(LabSupport.labelledContainers(owner)).isEmpty();
        } finally {
            lab.docker("rm", "-fv", earlier);
            lab.run(null, "volume", "rm", "-f", volume);
        }
    }

    @Test
    void ofTwoSidecarsStartedAtOnceOnOneVolumeExactlyOneStarts() throws Exception {
        String owner = LabSupport.unique("SharedSidecarTest-race");
        String volume = LabSupport.unique("cb-shared-cache");
        lab.docker("volume", "create", volume); // so that neither start races the other to create it
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<SharedSidecar> started = new ArrayList<>();
        List<Throwable> refused = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            Callable<SharedSidecar> start = () -> {
                go.await();
                return SharedSidecar.start(dind(owner, volume), Timeouts.defaults(), new RecordingSink());
            };
            List<Future<SharedSidecar>> both = List.of(pool.submit(start), pool.submit(start));
            go.countDown();
            for (Future<SharedSidecar> f : both) {
                try {
                    started.add(f.get(120, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            assertThat(started).hasSize(1);
            assertThat(refused).singleElement().isInstanceOf(CacheVolumeInUseException.class);
            assertThat(LabSupport.labelledContainers(owner)).containsExactly(started.get(0).containerId()
                    .substring(0, 12));
        } finally {
            started.forEach(SharedSidecar::close);
            pool.shutdownNow();
            LabSupport.labelledContainers(owner).forEach(id -> lab.docker("rm", "-fv", id));
            lab.run(null, "volume", "rm", "-f", volume);
        }
    }

    private boolean running(String containerId) {
        return lab.docker("inspect", "-f", "{{.State.Running}}", containerId).strip().equals("true");
    }
}
