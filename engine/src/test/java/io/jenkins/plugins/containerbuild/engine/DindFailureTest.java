package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sidecar that does not come up is reported with its exit code and last log lines, and removed. */
class DindFailureTest {

    private final Lab lab = Lab.get();

    @Test
    void sidecarThatExitsIsReportedWithExitCodeAndLogs(@TempDir Path dir) throws Exception {
        String image = "cb-dind-exits:" + LabSupport.unique("t");
        String owner = LabSupport.unique("DindFailureTest");
        LabSupport.context(dir, "FROM " + lab.baseImage()
                + "\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo dockerd-cannot-start-here >&2; exit 7\", \"--\"]\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            engine.build(BuildRequest.builder(dir).tag(image).build());
        }
        try {
            DaemonEndpoint dind = new DaemonEndpoint.Dind(lab.dood(), DindOptions.of(image)
                    .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
            assertThatThrownBy(() -> ContainerEngine.connect(dind, new RecordingSink()))
                    .isInstanceOf(DindStartException.class)
                    .hasMessageContaining("exited with code 7")
                    .hasMessageContaining("dockerd-cannot-start-here")
                    .hasMessageContaining("security profile");
            assertThat(LabSupport.labelledContainers(owner)).isEmpty();
        } finally {
            LabSupport.removeImages(image);
        }
    }

    @Test
    void sidecarWhoseDaemonNeverAnswersTimesOut(@TempDir Path dir) throws Exception {
        String image = "cb-dind-silent:" + LabSupport.unique("t");
        String owner = LabSupport.unique("DindFailureTest");
        LabSupport.context(dir, "FROM " + lab.baseImage()
                + "\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo pretending-to-start; sleep 60\", \"--\"]\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            engine.build(BuildRequest.builder(dir).tag(image).build());
        }
        try {
            DaemonEndpoint dind = new DaemonEndpoint.Dind(lab.dood(), DindOptions.of(image)
                    .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner)
                    .withStartTimeout(Duration.ofSeconds(3)));
            assertThatThrownBy(() -> ContainerEngine.connect(dind, new RecordingSink()))
                    .isInstanceOf(DindStartException.class)
                    .hasMessageContaining("did not answer within 3 s")
                    .hasMessageContaining("pretending-to-start");
            assertThat(LabSupport.labelledContainers(owner)).isEmpty();
        } finally {
            LabSupport.removeImages(image);
        }
    }

    @Test
    void missingDindImageSaysSo() {
        DaemonEndpoint dind = new DaemonEndpoint.Dind(lab.dood(), DindOptions.of("cb-no-such-dind:local")
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES));
        assertThatThrownBy(() -> ContainerEngine.connect(dind, new RecordingSink()))
                .isInstanceOf(DindStartException.class)
                .hasMessageContaining("cb-no-such-dind:local is not on")
                .hasMessageContaining("load or pull it");
    }
}
