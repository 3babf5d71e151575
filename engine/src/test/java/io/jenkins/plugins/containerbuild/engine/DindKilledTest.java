package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DinD sidecar killed while a RUN step runs: one error that says the sidecar died and with which exit code, the
 * sidecar and its anonymous volume removed, nothing left under the owner label, and the next DinD build succeeds.
 */
class DindKilledTest {

    private final Lab lab = Lab.get();

    @Test
    void sidecarKilledMidBuildIsReportedAndRemoved(@TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("DindKilledTest"));
        DaemonEndpoint dind = new DaemonEndpoint.Dind(lab.dood(), DindOptions.of(lab.dindImage())
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(check.owner()));
        String marker = LabSupport.unique("dind-kill-marker");
        LabSupport.context(dir, "FROM " + lab.registryBaseImage() + "\nRUN echo " + marker + " && sleep 300\n");
        RecordingSink events = new RecordingSink();
        AtomicReference<String> killed = new AtomicReference<>();
        events.when(e -> e instanceof EngineEvent.StepOutput o && o.line().contains(marker), () -> {
            List<String> sidecars = LabSupport.labelledContainers(check.owner());
            for (String id : sidecars) {
                check.recordContainer(id);
                FaultCheck.volumesOf(id).forEach(check::recordVolume);
                lab.docker("kill", id);
                killed.set(id);
            }
        });
        Throwable error;
        try (ContainerEngine engine = ContainerEngine.connect(dind, events)) {
            error = catchThrowable(() -> engine.build(BuildRequest.builder(dir).networkMode("none").build()));
        }
        assertThat(killed.get()).as("the sidecar was found and killed").isNotNull();
        assertThat(error).isInstanceOf(DindSidecarDiedException.class)
                .hasMessageStartingWith("The DinD sidecar " + killed.get().substring(0, 12) + " from " + lab.dindImage()
                        + " died during the build with exit code 137")
                .hasMessageContaining("run the build again");
        check.assertClean(error, events);
        FaultCheck.assertNextBuildSucceeds(dind, lab.registryBaseImage(), dir);
        check.assertNothingLeft();
    }
}
