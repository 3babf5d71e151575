package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.FreeStyleProject;
import hudson.model.Item;
import hudson.model.User;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import jenkins.model.Jenkins;
import org.htmlunit.HttpMethod;
import org.htmlunit.Page;
import org.htmlunit.WebRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The credentials drop-downs with real security (runs only with {@code -Pjenkins-repo}): the "Username with
 * password" credentials of the system store are listed to whoever may configure the job or use its credentials (or,
 * globally, administer Jenkins), and nothing but the current value to anyone else; the lists are filled on POST only,
 * and the credentials checks tell only those users whether an id names credentials of the field's kind.
 * Core-only: {@code scripts/api-check --tests} checks it against the real API offline.
 */
@WithJenkins
class CredentialsDropDownJenkinsTest {

    private JenkinsRule r;
    private FreeStyleProject job;

    @BeforeEach
    void security(JenkinsRule r) throws Exception {
        this.r = r;
        SystemCredentialsProvider.getInstance().getCredentials().add(new UsernamePasswordCredentialsImpl(
                CredentialsScope.GLOBAL, "registry", "lab registry", "labuser", "not-a-real-password"));
        job = r.createFreeStyleProject("job");
        r.jenkins.setSecurityRealm(r.createDummySecurityRealm());
        r.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.ADMINISTER).everywhere().to("admin")
                .grant(Jenkins.READ, Item.READ, Item.CONFIGURE).everywhere().to("configurer")
                .grant(Jenkins.READ, Item.READ).everywhere().to("reader")
                .grant(Jenkins.READ, Item.READ, CredentialsProvider.USE_ITEM).everywhere().to("user"));
    }

    @Test
    void freestyleStepListsTheCredentialsToWhoeverMayConfigureTheJob() throws Exception {
        ContainerBuildBuilder.DescriptorImpl d = r.jenkins.getDescriptorByType(ContainerBuildBuilder.DescriptorImpl.class);

        assertThat(valuesAs("admin", () -> d.doFillCredentialsIdItems(job, "")), contains("", "registry"));
        assertThat(valuesAs("configurer", () -> d.doFillCredentialsIdItems(job, "")), contains("", "registry"));
        assertThat(valuesAs("configurer", () -> d.doFillCredentialsIdItems(job, "registry")),
                contains("", "registry"));
    }

    @Test
    void aUserWhoMayNotConfigureSeesOnlyTheCurrentValue() throws Exception {
        ContainerBuildBuilder.DescriptorImpl d = r.jenkins.getDescriptorByType(ContainerBuildBuilder.DescriptorImpl.class);

        List<String> values = valuesAs("reader", () -> d.doFillCredentialsIdItems(job, "registry"));
        assertThat(values, contains("registry"));
        assertThat(valuesAs("reader", () -> d.doFillCredentialsIdItems(job, "some-other-id")),
                contains("some-other-id"));
        assertThat(valuesAs("reader", () -> d.doFillCredentialsIdItems(job, "")), contains(""));
    }

    @Test
    void globalRegistriesListTheCredentialsToAdministratorsOnly() throws Exception {
        NamedRegistry.DescriptorImpl d = r.jenkins.getDescriptorByType(NamedRegistry.DescriptorImpl.class);

        assertThat(valuesAs("admin", () -> d.doFillCredentialsIdItems(null, "")), contains("", "registry"));
        // may configure jobs, but not Jenkins
        List<String> configurer = valuesAs("configurer", () -> d.doFillCredentialsIdItems(null, "current"));
        assertThat(configurer, contains("current"));
        assertThat(configurer, not(hasItem("registry")));
    }

    /** Credentials/UseItem (the consumer guide's second permission) is enough to see the list in a job. */
    @Test
    void aUserWhoMayUseTheCredentialsSeesTheList() throws Exception {
        SecretMount.DescriptorImpl secrets = r.jenkins.getDescriptorByType(SecretMount.DescriptorImpl.class);
        ContainerPushStep.DescriptorImpl push = r.jenkins.getDescriptorByType(ContainerPushStep.DescriptorImpl.class);

        assertThat(valuesAs("user", () -> push.doFillCredentialsIdItems(job, "")), contains("", "registry"));
        // the secret drop-down lists secret kinds only: the username/password credentials are not among them
        assertThat(valuesAs("user", () -> secrets.doFillCredentialsIdItems(job, "")), contains(""));
    }

    /**
     * Core's select control fetches a drop-down's items with POST (and the crumb): that is answered; a GET (what a
     * page of another site can make a browser send) is not, since the fill methods are {@code @POST}.
     */
    @Test
    void theDropDownIsFilledOnPostOnly() throws Exception {
        String fill = job.getUrl() + "descriptorByName/" + ContainerBuildBuilder.class.getName()
                + "/fillCredentialsIdItems?credentialsId=";
        JenkinsRule.WebClient wc = r.createWebClient().withThrowExceptionOnFailingStatusCode(false);
        wc.login("configurer");

        Page get = wc.goTo(fill, null);
        assertThat(get.getWebResponse().getStatusCode(), not(is(200)));
        assertThat(get.getWebResponse().getContentAsString(), not(containsString("\"registry\"")));

        WebRequest post = new WebRequest(new URL(r.getURL(), fill), HttpMethod.POST);
        wc.addCrumb(post);
        Page answered = wc.getPage(post);
        assertThat(answered.getWebResponse().getStatusCode(), is(200));
        assertThat(answered.getWebResponse().getContentAsString(), containsString("\"value\":\"registry\""));
    }

    /**
     * The credentials checks as the consumer guide has them: whoever may see the list learns whether the chosen id
     * names credentials of the field's kind; anyone else gets "OK".
     */
    @Test
    void theCredentialsCheckSaysWhetherTheIdNamesCredentialsOfItsKind() throws Exception {
        ContainerPushStep.DescriptorImpl push = r.jenkins.getDescriptorByType(ContainerPushStep.DescriptorImpl.class);
        TcpDaemon.DescriptorImpl tcp = r.jenkins.getDescriptorByType(TcpDaemon.DescriptorImpl.class);
        SshMount.DescriptorImpl ssh = r.jenkins.getDescriptorByType(SshMount.DescriptorImpl.class);

        assertThat(kindAs("configurer", () -> push.doCheckCredentialsId(job, "registry")), is(FormValidation.Kind.OK));
        assertThat(kindAs("configurer", () -> push.doCheckCredentialsId(job, "gone")), is(FormValidation.Kind.ERROR));
        // credentials of another kind
        FormValidation wrongKind;
        try (ACLContext ignored = ACL.as2(User.getById("configurer", true).impersonate2())) {
            wrongKind = tcp.doCheckCredentialsId(job, "registry");
        }
        assertThat(wrongKind.kind, is(FormValidation.Kind.ERROR));
        assertThat(wrongKind.getMessage(), containsString("are not X.509 Client Certificate credentials"));
        assertThat(kindAs("configurer", () -> ssh.doCheckCredentialsId(job, "")), is(FormValidation.Kind.ERROR));
        assertThat(kindAs("user", () -> push.doCheckCredentialsId(job, "gone")), is(FormValidation.Kind.ERROR));
        // may not see the credentials: told nothing
        assertThat(kindAs("reader", () -> push.doCheckCredentialsId(job, "gone")), is(FormValidation.Kind.OK));
    }

    /**
     * The real credentials API lists SYSTEM scope at the Jenkins root, never to a build: the global page leaves such
     * credentials out of its drop-downs, its check says why a SYSTEM id is of no use, and a build cannot find it.
     */
    @Test
    void theGlobalPageOffersAndAcceptsNoSystemScopedCredentials() throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(new UsernamePasswordCredentialsImpl(
                CredentialsScope.SYSTEM, "jenkins-only", "for Jenkins itself", "ci", "not-a-real-password"));
        NamedRegistry.DescriptorImpl d = r.jenkins.getDescriptorByType(NamedRegistry.DescriptorImpl.class);

        assertThat(valuesAs("admin", () -> d.doFillCredentialsIdItems(null, "")), contains("", "registry"));
        FormValidation check;
        try (ACLContext ignored = ACL.as2(User.getById("admin", true).impersonate2())) {
            check = d.doCheckCredentialsId(null, "jenkins-only");
        }
        assertThat(check.kind, is(FormValidation.Kind.ERROR));
        assertThat(check.getMessage(), containsString("are in System scope, which only Jenkins itself may use"));
        assertThat(kindAs("admin", () -> d.doCheckCredentialsId(null, "registry")), is(FormValidation.Kind.OK));

        hudson.model.FreeStyleBuild build = r.buildAndAssertSuccess(job);
        assertThat(CredentialsProvider.findCredentialById("jenkins-only",
                com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials.class, build),
                is((Object) null));
    }

    private interface Check {
        FormValidation check() throws Exception;
    }

    private static FormValidation.Kind kindAs(String user, Check check) throws Exception {
        try (ACLContext ignored = ACL.as2(User.getById(user, true).impersonate2())) {
            return check.check().kind;
        }
    }

    private interface Fill {
        ListBoxModel fill() throws Exception;
    }

    /** The option values of {@code fill} as {@code user} sees them. */
    private static List<String> valuesAs(String user, Fill fill) throws Exception {
        List<String> values = new ArrayList<>();
        try (ACLContext ignored = ACL.as2(User.getById(user, true).impersonate2())) {
            for (ListBoxModel.Option o : fill.fill()) {
                values.add(o.value);
            }
        }
        return values;
    }
}
