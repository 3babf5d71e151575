package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;
import static org.hamcrest.Matchers.startsWith;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.FilePath;
import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.List;
import org.htmlunit.html.DomNode;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.TestBuilder;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The freestyle step in a real Jenkins (runs only with {@code -Pjenkins-repo}): its configuration page binds every
 * field back unchanged, and a build configured through that page builds on the lab's host daemon and records the
 * image on the build (action, build page, remote API). Core-only: {@code scripts/api-check --tests} checks it
 * against the real API offline.
 */
@WithJenkins
class FreestyleJenkinsTest {

    @Test
    void configurationPageKeepsEveryField(JenkinsRule r) throws Exception {
        // the credentials the drop-down lists, so the selected id is one of its own options
        SystemCredentialsProvider.getInstance().getCredentials().add(new UsernamePasswordCredentialsImpl(
                CredentialsScope.GLOBAL, "registry", "lab registry", "labuser", "not-a-real-password"));
        ContainerBuildBuilder before = new ContainerBuildBuilder();
        before.setContext("app");
        before.setDockerfile("docker/Dockerfile.ci");
        before.setTags("team/app:${BUILD_NUMBER}\nteam/app:latest");
        before.setBuildArgs("VERSION=1.4\nGREETING=hi there");
        before.setTarget("runtime");
        before.setLabels("org.opencontainers.image.revision=${GIT_COMMIT}");
        before.setPull(true);
        before.setNoCache(true);
        before.setCacheFrom("team/app:cache");
        before.setBuilder("classic");
        before.setNetwork("none");
        before.setPlatform("linux/arm64");
        DindDaemon daemon = new DindDaemon("docker:27-dind");
        daemon.setCacheVolume("ci-cache");
        daemon.setSecurity("capabilities");
        daemon.setSocket("/run/other/docker.sock");
        before.setDaemon(daemon);
        before.setPush(true);
        before.setRegistry("registry.example.com");
        before.setCredentialsId("registry");
        before.setRetries(5);
        before.setTimeout("45m");
        before.setRemoveAfterPush(true);

        FreeStyleProject p = r.createFreeStyleProject("roundtrip");
        p.getBuildersList().add(before);
        r.configRoundtrip(p);

        ContainerBuildBuilder after = p.getBuildersList().get(ContainerBuildBuilder.class);
        assertThat(after, notNullValue());
        assertThat("the form binds a new instance", after, not(sameInstance(before)));
        r.assertEqualDataBoundBeans(before, after);
        // the same, spelled out, so that a failure names the field
        assertThat(after.getContext(), is("app"));
        assertThat(after.getDockerfile(), is("docker/Dockerfile.ci"));
        assertThat(after.getTags(), is("team/app:${BUILD_NUMBER}\nteam/app:latest"));
        assertThat(after.getBuildArgs(), is("VERSION=1.4\nGREETING=hi there"));
        assertThat(after.getTarget(), is("runtime"));
        assertThat(after.getLabels(), is("org.opencontainers.image.revision=${GIT_COMMIT}"));
        assertThat(after.isPull(), is(true));
        assertThat(after.isNoCache(), is(true));
        assertThat(after.getCacheFrom(), is("team/app:cache"));
        assertThat(after.getBuilder(), is("classic"));
        assertThat(after.getNetwork(), is("none"));
        assertThat(after.getPlatform(), is("linux/arm64"));
        assertThat(after.getDaemon(), instanceOf(DindDaemon.class));
        DindDaemon d = (DindDaemon) after.getDaemon();
        assertThat(d.getImage(), is("docker:27-dind"));
        assertThat(d.getCacheVolume(), is("ci-cache"));
        assertThat(d.getSecurity(), is("capabilities"));
        assertThat(d.getSocket(), is("/run/other/docker.sock"));
        assertThat(after.isPush(), is(true));
        assertThat(after.getRegistry(), is("registry.example.com"));
        assertThat(after.getCredentialsId(), is("registry"));
        assertThat(after.getRetries(), is(5));
        assertThat(after.getTimeout(), is("45m"));
        assertThat(after.isRemoveAfterPush(), is(true));
    }

    /**
     * A job without a daemon keeps none when saved from its page: the form's first choice is "the global default",
     * which binds back as no daemon, so the job keeps following the global configuration.
     */
    @Test
    void aJobWithoutDaemonKeepsFollowingTheGlobalDefault(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("global-default");
        p.getBuildersList().add(new ContainerBuildBuilder());

        HtmlPage page = r.createWebClient().goTo(p.getUrl() + "configure");
        List<String> options = page.getByXPath("//select/option").stream()
                .map(o -> ((DomNode) o).getTextContent().trim()).toList();
        assertThat(options, hasItem(Messages.GlobalDefaultDaemon_DisplayName()));
        assertThat("the global default is the first daemon choice",
                options.indexOf(Messages.GlobalDefaultDaemon_DisplayName()),
                lessThan(options.indexOf(Messages.DoodDaemon_DisplayName())));

        r.configRoundtrip(p);
        ContainerBuildBuilder after = p.getBuildersList().get(ContainerBuildBuilder.class);
        assertThat(after, notNullValue());
        assertThat(after.getDaemon(), nullValue());
    }

    @Test
    void buildConfiguredThroughTheFormBuildsOnTheLabDaemon(JenkinsRule r) throws Exception {
        Lab lab = Lab.get();
        String id = Long.toString(ProcessHandle.current().pid(), 36) + "-" + System.nanoTime() % 1_000_000;
        String tag = "containerbuild-jenkins/freestyle-" + id + ":1";

        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setContext("app");
        // the build's own variables are expanded when it runs
        builder.setTags("containerbuild-jenkins/freestyle-" + id + ":${BUILD_NUMBER}");
        builder.setBuildArgs("GREETING=hi-${JOB_NAME}");
        builder.setNetwork("none");
        DoodDaemon daemon = new DoodDaemon();
        daemon.setSocket(lab.hostSocket().toString());
        builder.setDaemon(daemon);

        FreeStyleProject p = r.createFreeStyleProject("build");
        p.getBuildersList().add(builder);
        r.configRoundtrip(p);
        ContainerBuildBuilder configured = p.getBuildersList().get(ContainerBuildBuilder.class);
        r.assertEqualDataBoundBeans(builder, configured);

        // the build writes its context first; TestBuilder has no form, so it is added after the round trip
        String dockerfile = "FROM " + lab.baseImage() + "\n"
                + "ARG GREETING=none\n"
                + "RUN echo freestyle-" + id + " $GREETING\n";
        TestBuilder.Body writeContext = (build, launcher, listener) -> {
            FilePath workspace = build.getWorkspace();
            assertThat(workspace, notNullValue());
            workspace.child("app/Dockerfile").write(dockerfile, "UTF-8");
        };
        p.getBuildersList().replaceBy(List.of(TestBuilder.of(writeContext), configured));

        FreeStyleBuild b = r.buildAndAssertSuccess(p);
        try {
            r.assertLogContains("freestyle-" + id + " hi-build", b);
            r.assertLogContains("[containerBuild] Built sha256:", b);

            ContainerBuildAction action = b.getAction(ContainerBuildAction.class);
            assertThat("the build's action", action, notNullValue());
            List<ImageRecord> images = action.getImages();
            assertThat(images, hasSize(1));
            ImageRecord image = images.get(0);
            assertThat(image.getImageId(), startsWith("sha256:"));
            assertThat(image.getTags(), is(List.of(tag)));
            assertThat(image.getSize(), greaterThan(0L));
            assertThat(image.getLayers(), not(empty()));
            assertThat(image.getPushed(), empty());
            assertThat(lab.docker("image", "inspect", "--format", "{{.Id}}", tag).trim(), is(image.getImageId()));

            // the views render with the real Jelly and Stapler: the build page's summary, the action's page
            JenkinsRule.WebClient wc = r.createWebClient();
            HtmlPage buildPage = wc.getPage(b);
            assertThat(buildPage.asNormalizedText(), containsString(image.getShortId()));
            HtmlPage imagesPage = wc.getPage(b, ContainerBuildAction.URL_NAME);
            assertThat(imagesPage.asNormalizedText(), containsString(image.getImageId()));
            assertThat(imagesPage.asNormalizedText(), containsString(tag));
            // and the remote API exports the record
            String json = r.getJSON(b.getUrl() + "api/json?tree=actions[images[imageId,tags]]").getJSONObject()
                    .toString();
            assertThat(json, containsString(image.getImageId()));
            assertThat(json, containsString(tag));
        } finally {
            Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket(), "rmi", "-f", tag), null, false);
        }
    }
}
