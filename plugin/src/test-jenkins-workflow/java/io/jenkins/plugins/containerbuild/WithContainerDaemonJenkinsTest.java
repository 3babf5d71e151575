package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Result;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.time.Duration;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * {@code withContainerDaemon} in a real Pipeline on a real Jenkins (runs only with -Pjenkins-repo, like
 * {@link PipelineStepsJenkinsTest}): one DinD sidecar on the lab's daemon serves a build and the push of its image,
 * and is gone when the body ends, fails or is aborted.
 */
@WithJenkins
class WithContainerDaemonJenkinsTest {

    private static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";

    private static String dind(Lab lab, String volume) {
        return "dind(image: '" + lab.dindImage() + "', security: 'capabilities', socket: 'unix://" + lab.hostSocket()
                + "'" + (volume != null ? ", cacheVolume: '" + volume + "'" : "") + ")";
    }

    private static List<String> sidecarsOf(Lab lab, WorkflowRun b) {
        return lab.docker("ps", "-aq", "--filter", "label=" + OWNER_LABEL + "=" + b.getExternalizableId())
                .lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void oneSidecarServesTheBuildAndThePushOfItsImage(JenkinsRule j) throws Exception {
        Lab lab = Lab.get();
        String id = Long.toString(System.nanoTime(), 36);
        String volume = "cb-jenkins-block-" + id;
        String tag = lab.plainRegistry() + "/containerbuild-jenkins/block-" + id + ":1";
        WorkflowJob p = j.createProject(WorkflowJob.class, "block");
        p.setDefinition(new CpsFlowDefinition(
                "node {\n"
                + "  writeFile file: 'Dockerfile', text: 'FROM " + lab.registryBaseImage() + "\\nRUN echo in-block\\n'\n"
                + "  withContainerDaemon(" + dind(lab, volume) + ") {\n"
                + "    def img = containerBuild(tags: ['" + tag + "'], network: 'none')\n"
                + "    def pushed = containerPush(image: img)\n"
                + "    echo \"pushed ${pushed}\"\n"
                + "  }\n"
                + "}", true));
        try {
            WorkflowRun b = j.buildAndAssertSuccess(p);
            j.assertLogContains("in-block", b);
            j.assertLogContains("Connected to DinD sidecar", b);
            j.assertLogContains("pushed [" + tag + ":sha256:", b);
            assertThat(JenkinsRule.getLog(b).split("Starting DinD sidecar", -1)).as("one sidecar").hasSize(2);
            j.assertLogContains("removed", b);
            assertThat(sidecarsOf(lab, b)).isEmpty();
        } finally {
            lab.run(null, "volume", "rm", "-f", DindImages.jobVolume("block", volume));
        }
    }

    @Test
    void theSidecarGoesWhenTheBodyFailsOrIsAborted(JenkinsRule j) throws Exception {
        Lab lab = Lab.get();
        WorkflowJob failing = j.createProject(WorkflowJob.class, "failing");
        failing.setDefinition(new CpsFlowDefinition(
                "node { withContainerDaemon(" + dind(lab, null) + ") { error 'the-body-failed' } }", true));
        WorkflowRun f = j.assertBuildStatus(Result.FAILURE, failing.scheduleBuild2(0));
        j.assertLogContains("the-body-failed", f);
        assertThat(sidecarsOf(lab, f)).isEmpty();

        WorkflowJob aborted = j.createProject(WorkflowJob.class, "aborted");
        aborted.setDefinition(new CpsFlowDefinition(
                "node { withContainerDaemon(" + dind(lab, null) + ") { echo 'inside-the-block'; sleep 600 } }", true));
        WorkflowRun a = aborted.scheduleBuild2(0).waitForStart();
        j.waitForMessage("inside-the-block", a);
        assertThat(sidecarsOf(lab, a)).as("the sidecar runs while the body does").hasSize(1);
        a.doStop();
        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(a));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!sidecarsOf(lab, a).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200); // poll interval; the deadline bounds the wait
        }
        assertThat(sidecarsOf(lab, a)).as("removed after the abort").isEmpty();
    }

    /**
     * The freestyle step as a metastep cannot read the block's context; the block's body environment tells it that it
     * runs in a block, and it refuses rather than build on the global default daemon.
     */
    @Test
    void containerBuildAndPushInsideABlockRefuses(JenkinsRule j) throws Exception {
        Lab lab = Lab.get();
        WorkflowJob p = j.createProject(WorkflowJob.class, "metastep");
        p.setDefinition(new CpsFlowDefinition(
                "node {\n"
                + "  writeFile file: 'Dockerfile', text: 'FROM " + lab.baseImage() + "\\n'\n"
                + "  withContainerDaemon(dood(socket: 'unix://" + lab.hostSocket() + "')) {\n"
                + "    containerBuildAndPush(tags: 'containerbuild-jenkins/never-built:1', network: 'none')\n"
                + "  }\n"
                + "}", true));
        WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
        j.assertLogContains("containerBuildAndPush cannot use the daemon of the withContainerDaemon block it runs in"
                + " (unix://" + lab.hostSocket() + ")", b);
        assertThat(lab.docker("image", "ls", "-q", "containerbuild-jenkins/never-built:1").strip()).isEmpty();
    }

    @Test
    void theStepRoundTripsThroughItsFormAndTheSnippetGenerator(JenkinsRule j) throws Exception {
        DindDaemon d = new DindDaemon("docker:dind");
        d.setCacheVolume("app-cache");
        WithContainerDaemonStep s = new WithContainerDaemonStep(d);
        WithContainerDaemonStep back = new StepConfigTester(j).configRoundTrip(s);
        assertThat(back.getDaemon()).isInstanceOf(DindDaemon.class);
        assertThat(((DindDaemon) back.getDaemon()).getCacheVolume()).isEqualTo("app-cache");
        new SnippetizerTester(j).assertRoundTrip(s,
                "withContainerDaemon(dind(cacheVolume: 'app-cache', image: 'docker:dind')) {\n    // some block\n}");
    }
}
