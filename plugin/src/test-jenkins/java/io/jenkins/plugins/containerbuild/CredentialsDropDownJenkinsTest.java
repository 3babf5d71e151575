package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.FreeStyleProject;
import hudson.model.Item;
import hudson.model.User;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.util.ListBoxModel;
import java.util.ArrayList;
import java.util.List;
import jenkins.model.Jenkins;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The credentials drop-downs with real security (runs only with {@code -Pjenkins-repo}): the "Username with
 * password" credentials of the system store are listed to whoever may configure the job (or, globally, administer
 * Jenkins), and nothing but the current value to anyone else. Core-only: {@code scripts/api-check --tests} checks
 * it against the real API offline.
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
                .grant(Jenkins.READ, Item.READ).everywhere().to("reader"));
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
