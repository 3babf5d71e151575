package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import hudson.model.Descriptor.FormException;
import hudson.model.FreeStyleProject;
import net.sf.json.JSONArray;
import net.sf.json.JSONObject;
import org.htmlunit.FailingHttpStatusCodeException;
import org.htmlunit.html.HtmlForm;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;
import org.kohsuke.stapler.Stapler;

/**
 * A bad value in a form is a form error, not the LinkageError page that a throwing setter or constructor gives
 * (runs only with {@code -Pjenkins-repo}): through the real configuration page, and through real Stapler binding
 * (with core's binding of nested describables) for the daemon kinds and the build's registries and secrets.
 * Core-only: {@code scripts/api-check --tests} checks it against the real API offline.
 */
@WithJenkins
class BadValuesJenkinsTest {

    @Test
    void aBadValueOnTheConfigurationPageIsAnErrorNamingItNotAnErrorPageWithAStackTrace(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("bad-builder");
        p.getBuildersList().add(new ContainerBuildBuilder());
        JenkinsRule.WebClient wc = r.createWebClient();
        HtmlPage page = wc.goTo(p.getUrl() + "configure");
        HtmlForm form = page.getFormByName("config");
        HtmlInput builder = form.getInputByName("_.builder");
        builder.setValue("kaniko");

        FailingHttpStatusCodeException e = assertThrows(FailingHttpStatusCodeException.class, () -> r.submit(form));

        // core's FormException response: 400 with the message (a LinkageError would be a 500 with a stack trace)
        assertThat(e.getStatusCode(), is(400));
        String error = e.getResponse().getResponseHeaderValue("X-Error");
        assertThat(error, containsString("'kaniko'"));
        assertThat(e.getResponse().getContentAsString(), not(containsString("LinkageError")));
        assertThat("the job keeps its configuration",
                p.getBuildersList().get(ContainerBuildBuilder.class).getBuilder(), nullValue());
    }

    @Test
    void nestedBadValuesAreFormErrorsThroughRealBinding(JenkinsRule r) throws Exception {
        assertFormError(r, builder().element("retries", 25), "retries", "retries is 25: use a number from 0 to 20.");
        assertFormError(r, builder().element("daemon", daemon(DindDaemon.class).element("image", "docker:dind")
                .element("security", "root")), "security", "Unknown DinD security profile 'root'");
        assertFormError(r, builder().element("daemon", daemon(DindDaemon.class).element("image", "Not An Image")),
                "image", "Not An Image");
        assertFormError(r, builder().element("daemon", daemon(TcpDaemon.class).element("uri", "docker:2376")
                .element("credentialsId", "")), "uri", "write it as tcp://HOST:PORT");
        assertFormError(r, builder().element("secrets", new JSONArray().element(new JSONObject()
                .element("id", "npm rc").element("credentialsId", "npmrc"))), "id", "RUN --mount=type=secret,id=npmrc");
        assertFormError(r, builder().element("ssh", new JSONArray().element(new JSONObject()
                .element("id", "").element("credentialsId", ""))), "credentialsId", "names no credentials");
        assertFormError(r, builder().element("registries", new JSONArray().element(new JSONObject()
                .element("name", "").element("url", "https://registry.example.com").element("credentialsId", ""))),
                "credentialsId", "has no credentialsId");

        // the Pipeline steps' own forms (the Snippet Generator's)
        ContainerBuildStep.DescriptorImpl build = r.jenkins.getDescriptorByType(ContainerBuildStep.DescriptorImpl.class);
        FormException e = assertThrows(FormException.class, () -> r.executeOnServer(() -> build.newInstance(
                Stapler.getCurrentRequest2(), new JSONObject().element("builder", "kaniko"))));
        assertThat(e.getFormField(), is("builder"));
        ContainerPushStep.DescriptorImpl push = r.jenkins.getDescriptorByType(ContainerPushStep.DescriptorImpl.class);
        e = assertThrows(FormException.class, () -> r.executeOnServer(() -> push.newInstance(
                Stapler.getCurrentRequest2(), new JSONObject().element("tagsText", "app:1").element("retries", -1))));
        assertThat(e.getFormField(), is("retries"));

        // and a good form still binds
        ContainerBuildBuilder good = r.executeOnServer(() -> (ContainerBuildBuilder) r.jenkins
                .getDescriptorByType(ContainerBuildBuilder.DescriptorImpl.class)
                .newInstance(Stapler.getCurrentRequest2(), builder().element("daemon",
                        daemon(DindDaemon.class).element("image", "docker:dind").element("security", "capabilities"))));
        assertThat(((DindDaemon) good.getDaemon()).getSecurity(), is("capabilities"));
    }

    /** The system page: a bad default daemon is a form error with its message, and the configuration stays. */
    @Test
    void aBadDefaultDaemonOnTheSystemPageIsAFormErrorAndChangesNothing(JenkinsRule r) throws Exception {
        ContainerBuildConfiguration global = ContainerBuildConfiguration.get();
        global.setDindImage("docker:27-dind");
        JSONObject json = new JSONObject().element("defaultDaemon", daemon(DindDaemon.class)
                .element("image", "docker:dind").element("security", "root"));
        FormException e = assertThrows(FormException.class,
                () -> r.executeOnServer(() -> global.configure(Stapler.getCurrentRequest2(), json)));
        assertThat(e.getMessage(), containsString("Unknown DinD security profile 'root'"));
        assertThat(global.getDindImage(), is("docker:27-dind"));
        assertThat(global.getDefaultDaemon(), org.hamcrest.Matchers.instanceOf(DoodDaemon.class));
    }

    private static JSONObject builder() {
        return new JSONObject().element("context", ".").element("builder", "buildkit").element("retries", 3);
    }

    private static JSONObject daemon(Class<? extends DaemonSpec> kind) {
        return new JSONObject().element("stapler-class", kind.getName()).element("$class", kind.getName());
    }

    private static void assertFormError(JenkinsRule r, JSONObject form, String field, String messagePart)
            throws Exception {
        ContainerBuildBuilder.DescriptorImpl d = r.jenkins.getDescriptorByType(ContainerBuildBuilder.DescriptorImpl.class);
        FormException e = assertThrows(FormException.class,
                () -> r.executeOnServer(() -> d.newInstance(Stapler.getCurrentRequest2(), form)), form::toString);
        assertThat(e.getMessage(), containsString(messagePart));
        assertThat(e.getFormField(), is(field));
    }
}
