package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.Result;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.structs.describable.DescribableModel;
import org.jenkinsci.plugins.structs.describable.DescribableParameter;
import org.jenkinsci.plugins.structs.describable.ErrorType;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * Runs only with -Pjenkins-repo (it needs the real Jenkins from repo.jenkins-ci.org): the steps in a real
 * Pipeline on a real Jenkins, with the lab's daemon and registries underneath. Not run by the offline build.
 *
 * <p>Kept apart from {@code src/test-jenkins/java} because it needs workflow-cps and workflow-job (and
 * workflow-step-api's test-jar for {@code StepConfigTester}): the jenkins-repo profile compiles both folders, and
 * {@code scripts/api-check --tests} checks both against the real API offline (its Pipeline sources included).
 */
@WithJenkins
class PipelineStepsJenkinsTest {

    @Test
    void buildAndPushInAPipelineWithRegistryCredentials(JenkinsRule j) throws Exception {
        Lab lab = Lab.get();
        String password = lab.registryPassword();
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
                new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "registry", "lab registry",
                        lab.fact("LAB_REGISTRY_USER"), password));
        WorkflowJob p = j.createProject(WorkflowJob.class, "p");
        p.setDefinition(new CpsFlowDefinition(
                "node {\n"
                + "  writeFile file: 'Dockerfile', text: 'FROM " + lab.baseImage() + "\\nRUN echo in-pipeline\\n'\n"
                + "  def img = containerBuild(tags: ['containerbuild-jenkins/p:1'], network: 'none')\n"
                + "  echo \"built ${img}\"\n"
                + "  def pushed = containerPush(image: img, registry: 'http://" + lab.authRegistry() + "',"
                + " credentialsId: 'registry')\n"
                + "  echo \"pushed ${pushed}\"\n"
                + "}", true));
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("in-pipeline", b);
        j.assertLogContains("built sha256:", b);
        j.assertLogContains("pushed [" + lab.authRegistry() + "/containerbuild-jenkins/p:1:sha256:", b);
        j.assertLogNotContains(password, b);
    }

    @Test
    void dindSymbolResolvesAndBadArgumentsFailClearly(JenkinsRule j) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "bad");
        p.setDefinition(new CpsFlowDefinition(
                "node { containerBuild(daemon: dind(image: 'dind:local', security: 'root')) }", true));
        WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
        j.assertLogContains("ERROR: Unknown DinD security profile 'root': use 'privileged' or 'capabilities'.", b);
        assertOneLine(j, b);
    }

    /**
     * A bad value of a step, a daemon or an option fails the step with one line ({@code ERROR: message}, an
     * AbortException), not with the stack trace of structs' "Could not instantiate" that a throwing setter or
     * constructor gives; and before anything reaches the agent.
     */
    @Test
    void badArgumentsFailTheStepWithOneLine(JenkinsRule j) throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("containerBuild(builder: 'kaniko')", "'kaniko'");
        cases.put("containerPush(tags: ['app:1'], retries: 25)", "retries is 25: use a number from 0 to 20.");
        cases.put("containerBuild(daemon: dind(image: 'Not An Image'))", "Not An Image");
        cases.put("containerBuild(daemon: tcp(uri: 'docker.example.com:2376'))", "write it as tcp://HOST:PORT");
        cases.put("containerBuild(secrets: ['npm rc': 'npmrc'])", "RUN --mount=type=secret,id=npmrc");
        cases.put("containerBuild(secrets: [[id: 'npmrc']])", "'npmrc' names no credentials");
        cases.put("containerBuild(ssh: [default: ''])", "'default' names no credentials");
        cases.put("containerBuild(registries: [[url: 'https://registry.example.com']])", "has no credentialsId");
        cases.put("containerBuild(registries: [[name: 'a', url: 'https://registry.example.com', credentialsId: 'c']])",
                "not both and not neither");
        int n = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            WorkflowJob p = j.createProject(WorkflowJob.class, "bad-" + n++);
            p.setDefinition(new CpsFlowDefinition("node { " + c.getKey() + " }", true));
            WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
            j.assertLogContains("ERROR: ", b);
            j.assertLogContains(c.getValue(), b);
            assertOneLine(j, b);
        }
    }

    /** No stack trace in the log: neither structs' wrapper nor a Java frame. */
    private static void assertOneLine(JenkinsRule j, WorkflowRun b) throws Exception {
        j.assertLogNotContains("Could not instantiate", b);
        j.assertLogNotContains("IllegalArgumentException", b);
        j.assertLogNotContains("\tat ", b);
    }

    @Test
    void wrongCredentialsKindNamesTheExpectedKind(JenkinsRule j) throws Exception {
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
                new org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials(CredentialsScope.GLOBAL,
                        "cert", "", (hudson.util.Secret) null, null, null));
        WorkflowJob p = j.createProject(WorkflowJob.class, "wrong");
        p.setDefinition(new CpsFlowDefinition(
                "node { containerPush(tags: ['localhost:5000/x:1'], credentialsId: 'cert') }", true));
        WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
        j.assertLogContains("needs Username with password credentials", b);
    }

    @Test
    void stepsRoundTripThroughTheirForms(JenkinsRule j) throws Exception {
        ContainerBuildStep s = new ContainerBuildStep();
        s.setContext("app");
        s.setTarget("runtime");
        s.setNoCache(true);
        s.setPlatform("linux/arm64");
        DindDaemon d = new DindDaemon("docker:dind");
        d.setCacheVolume("cache");
        s.setDaemon(d);
        ContainerBuildStep back = new StepConfigTester(j).configRoundTrip(s);
        assertThat(back.getContext()).isEqualTo("app");
        assertThat(back.getTarget()).isEqualTo("runtime");
        assertThat(back.isNoCache()).isTrue();
        assertThat(back.getPlatform()).isEqualTo("linux/arm64");
        assertThat(back.getDaemon()).isInstanceOf(DindDaemon.class);
        assertThat(((DindDaemon) back.getDaemon()).getCacheVolume()).isEqualTo("cache");

        new SnippetizerTester(j).assertRoundTrip(s,
                "containerBuild context: 'app', daemon: dind(cacheVolume: 'cache', image: 'docker:dind'), noCache: true,"
                + " platform: 'linux/arm64', target: 'runtime'");
    }

    /**
     * structs can describe the map arguments now (the Steps Reference said "do not know how to categorize" for a
     * Map), and a Jenkinsfile's map still reads and writes as a map, through the real Snippet Generator.
     */
    @Test
    void buildArgsAndLabelsAreDescribedAndRoundTripAsMaps(JenkinsRule j) throws Exception {
        DescribableModel<ContainerBuildStep> model = DescribableModel.of(ContainerBuildStep.class);
        for (DescribableParameter p : model.getParameters()) {
            assertThat(p.getType()).as(p.getName()).isNotInstanceOf(ErrorType.class);
        }
        assertThat(model.getParameter("buildArgs").getType().toString()).doesNotContain("categorize")
                .contains("name").contains("value");
        String reference = j.createWebClient().goTo("pipeline-syntax/html").asNormalizedText();
        assertThat(reference).contains("containerBuild").doesNotContain("do not know how to categorize");

        ContainerBuildStep s = new ContainerBuildStep();
        s.setBuildArgMap(new LinkedHashMap<>(Map.of("VERSION", "1.4")));
        s.setLabelMap(Map.of("maintainer", "team"));
        new SnippetizerTester(j).assertRoundTrip(s,
                "containerBuild buildArgs: [VERSION: '1.4'], labels: [maintainer: 'team']");
        // a dotted label name stays in the list form, which the Snippet Generator can write
        s.setLabelMap(Map.of("org.opencontainers.image.revision", "abc"));
        new SnippetizerTester(j).assertRoundTrip(s, "containerBuild buildArgs: [VERSION: '1.4'], labels: [[$class:"
                + " 'NameValue', name: 'org.opencontainers.image.revision', value: 'abc']]");

        // and in a Pipeline: the map form, GStrings and numbers included, reaches the build
        Lab lab = Lab.get();
        WorkflowJob p = j.createProject(WorkflowJob.class, "maps");
        p.setDefinition(new CpsFlowDefinition(
                "node {\n"
                + "  writeFile file: 'Dockerfile', text: 'FROM " + lab.baseImage() + "\\nARG A\\nARG B\\n"
                + "RUN echo \"args=$A/$B\"\\n'\n"
                + "  def n = 7\n"
                + "  def img = containerBuild(network: 'none', buildArgs: [A: \"g${n}\", B: 42],"
                + " labels: ['org.example.maps': 'yes'])\n"
                + "  echo \"built ${img}\"\n"
                + "}", true));
        WorkflowRun b = j.buildAndAssertSuccess(p);
        j.assertLogContains("args=g7/42", b);
        String id = j.getLog(b).lines().filter(l -> l.startsWith("built sha256:")).findFirst().orElseThrow()
                .substring("built ".length());
        try {
            assertThat(lab.docker("image", "inspect", "--format", "{{index .Config.Labels \"org.example.maps\"}}", id)
                    .strip()).isEqualTo("yes");
        } finally {
            lab.docker("image", "rm", "-f", id);
        }
    }

    @Test
    void pushTimeoutRoundTripsAndIsLeftOutWhenDefault(JenkinsRule j) throws Exception {
        ContainerPushStep s = new ContainerPushStep();
        s.setTags(List.of("team/app:1"));
        s.setRegistry("reg.example.com");
        s.setTimeout("10m");
        ContainerPushStep back = new StepConfigTester(j).configRoundTrip(s);
        assertThat(back.getTimeout()).isEqualTo("10m");
        assertThat(back.getTags()).containsExactly("team/app:1");
        new SnippetizerTester(j).assertRoundTrip(s,
                "containerPush registry: 'reg.example.com', tags: ['team/app:1'], timeout: '10m'");

        s.setTimeout(null);
        new SnippetizerTester(j).assertRoundTrip(s, "containerPush registry: 'reg.example.com', tags: ['team/app:1']");

        s.setRemoveAfterPush(true);
        assertThat(new StepConfigTester(j).configRoundTrip(s).isRemoveAfterPush()).isTrue();
        new SnippetizerTester(j).assertRoundTrip(s,
                "containerPush registry: 'reg.example.com', removeAfterPush: true, tags: ['team/app:1']");
    }
}
