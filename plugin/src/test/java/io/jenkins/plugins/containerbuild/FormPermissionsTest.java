package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockConstruction;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedConstruction;
import org.mockito.MockedStatic;
import org.springframework.security.access.AccessDeniedException;

/**
 * The web methods of the forms, called as Stapler would call them, with Jenkins' permission checks and the
 * credentials list model mocked: drop-downs show only the current value to users who may not see the credentials,
 * checks and connection tests refuse users who may not configure, and nothing saves.
 */
@ExtendWith(JenkinsStatics.class)
class FormPermissionsTest {

    @TempDir
    Path dir;

    private final Jenkins jenkins = mock(Jenkins.class);
    private final Item job = mock(Item.class);
    private MockedStatic<Jenkins> jenkinsStatic;
    private MockedStatic<FormValidation> validation;
    private final FormValidation ok = mock(FormValidation.class, "ok");
    private final FormValidation error = mock(FormValidation.class, "error");

    @BeforeEach
    void mockJenkins() {
        jenkinsStatic = mockStatic(Jenkins.class);
        jenkinsStatic.when(Jenkins::get).thenReturn(jenkins);
        validation = mockStatic(FormValidation.class);
        validation.when(FormValidation::ok).thenReturn(ok);
        validation.when(() -> FormValidation.ok(anyString())).thenReturn(ok);
        validation.when(() -> FormValidation.error(anyString())).thenReturn(error);
    }

    @AfterEach
    void close() {
        validation.close();
        jenkinsStatic.close();
    }

    private static MockedConstruction<StandardListBoxModel> listModels() {
        return mockConstruction(StandardListBoxModel.class, (model, context) -> {
            when(model.includeCurrentValue(any())).thenReturn(model);
            when(model.includeEmptyValue()).thenReturn(model);
            when(model.includeMatchingAs(any(), any(), any(), any(), any())).thenReturn(model);
        });
    }

    @Test
    void withoutPermissionADropDownHoldsOnlyTheCurrentValue() {
        try (MockedConstruction<StandardListBoxModel> models = listModels();
             MockedStatic<CredentialsMatchers> matchers = mockStatic(CredentialsMatchers.class)) {
            // a job whose configuration the user may not read, and the global page for a non-administrator
            ListBoxModel inJob = new ContainerPushStep.DescriptorImpl().doFillCredentialsIdItems(job, "registry-ci");
            ListBoxModel global = new NamedRegistry.DescriptorImpl().doFillCredentialsIdItems(null, "admin-only");
            ListBoxModel builder = new ContainerBuildBuilder.DescriptorImpl().doFillCredentialsIdItems(job, null);

            assertThat(models.constructed()).hasSize(3);
            StandardListBoxModel first = models.constructed().get(0);
            assertThat(inJob).isSameAs(first);
            verify(first).includeCurrentValue("registry-ci");
            verify(models.constructed().get(1)).includeCurrentValue("admin-only");
            verify(models.constructed().get(2)).includeCurrentValue("");
            assertThat(global).isSameAs(models.constructed().get(1));
            assertThat(builder).isSameAs(models.constructed().get(2));
            for (StandardListBoxModel m : models.constructed()) {
                verify(m, never()).includeMatchingAs(any(), any(), any(), any(), any());
                verify(m, never()).includeEmptyValue();
            }
            // two job forms asked
            verify(job, org.mockito.Mockito.times(2)).hasPermission(Item.CONFIGURE);
            verify(job, org.mockito.Mockito.times(2)).hasPermission(Item.EXTENDED_READ);
            verify(job, org.mockito.Mockito.times(2)).hasPermission(CredentialsProvider.USE_ITEM);
            verify(jenkins).hasPermission(Jenkins.ADMINISTER);
        }
    }

    /** Credentials/UseItem alone (the consumer guide's second permission) is enough to see the list in a job. */
    @Test
    void useItemAloneListsTheCredentials() {
        when(job.hasPermission(CredentialsProvider.USE_ITEM)).thenReturn(true);
        try (MockedConstruction<StandardListBoxModel> models = listModels();
             MockedStatic<CredentialsMatchers> matchers = mockStatic(CredentialsMatchers.class)) {
            CredentialsMatcher always = mock(CredentialsMatcher.class, "always");
            matchers.when(CredentialsMatchers::always).thenReturn(always);
            new SshMount.DescriptorImpl().doFillCredentialsIdItems(job, "deploy-key");
            verify(models.constructed().get(0)).includeMatchingAs(isNull(), eq(job), eq(SSHUserPrivateKey.class),
                    eq(List.of()), eq(always));
        }
    }

    /**
     * The credentials checks (consumer guide): for a user who may see the list, whether credentials of the field's
     * kind with that id are visible, listed with the drop-down's own matcher; for anyone else "OK", without any
     * lookup, so the check tells them nothing about which ids exist.
     */
    @Test
    void credentialsChecksFindTheChosenIdOfTheRightKind() {
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class);
             MockedStatic<CredentialsMatchers> matchers = mockStatic(CredentialsMatchers.class)) {
            // no permission: OK, nothing looked up
            assertThat(new SecretMount.DescriptorImpl().doCheckCredentialsId(job, "npmrc")).isSameAs(ok);
            assertThat(new NamedRegistry.DescriptorImpl().doCheckCredentialsId(null, "whatever")).isSameAs(ok);
            provider.verify(() -> CredentialsProvider.listCredentialsInItem(any(), any(), any(), any(), any()),
                    never());

            when(job.hasPermission(Item.CONFIGURE)).thenReturn(true);
            CredentialsMatcher always = mock(CredentialsMatcher.class, "always");
            CredentialsMatcher withId = mock(CredentialsMatcher.class, "withId");
            CredentialsMatcher both = mock(CredentialsMatcher.class, "both");
            matchers.when(CredentialsMatchers::always).thenReturn(always);
            matchers.when(() -> CredentialsMatchers.withId(anyString())).thenReturn(withId);
            matchers.when(() -> CredentialsMatchers.allOf(withId, always)).thenReturn(both);
            ListBoxModel none = new ListBoxModel();
            ListBoxModel one = new ListBoxModel();
            one.add(null);
            provider.when(() -> CredentialsProvider.listCredentialsInItem(any(), any(), any(), any(), any()))
                    .thenReturn(none);
            provider.when(() -> CredentialsProvider.listCredentialsInItem(eq(SSHUserPrivateKey.class), eq(job),
                    isNull(), eq(List.of()), eq(both))).thenReturn(one);

            assertThat(new SshMount.DescriptorImpl().doCheckCredentialsId(job, " deploy-key ")).isSameAs(ok);
            matchers.verify(() -> CredentialsMatchers.withId("deploy-key"));
            // an id that names no credentials at all, or credentials of another kind
            assertThat(new TcpDaemon.DescriptorImpl().doCheckCredentialsId(job, "gone")).isSameAs(error);
            validation.verify(() -> FormValidation.error("No X.509 Client Certificate credentials with id 'gone' are"
                    + " visible here: choose credentials from the list, or add them where this job can use them."));
            provider.when(() -> CredentialsProvider.listCredentialsInItem(eq(StandardCredentials.class), eq(job),
                    isNull(), eq(List.of()), eq(withId))).thenReturn(one);
            assertThat(new TcpDaemon.DescriptorImpl().doCheckCredentialsId(job, "registry-ci")).isSameAs(error);
            validation.verify(() -> FormValidation.error("Credentials 'registry-ci' are not X.509 Client Certificate"
                    + " credentials: choose credentials of that kind."));

            // empty: allowed where credentials are optional, an error where the row needs them
            assertThat(new ContainerPushStep.DescriptorImpl().doCheckCredentialsId(job, "")).isSameAs(ok);
            assertThat(new PullRegistry.DescriptorImpl().doCheckCredentialsId(job, "", "")).as("by name").isSameAs(ok);
            assertThat(new PullRegistry.DescriptorImpl().doCheckCredentialsId(job, "", "reg.example.com"))
                    .isSameAs(error);
            assertThat(new SecretMount.DescriptorImpl().doCheckCredentialsId(job, " ")).isSameAs(error);
            validation.verify(() -> FormValidation.error("Choose the Secret text or Secret file credentials to use."));
        }
    }

    @Test
    void withPermissionADropDownListsTheMatchingCredentials() {
        when(job.hasPermission(Item.EXTENDED_READ)).thenReturn(true);
        when(jenkins.hasPermission(Jenkins.ADMINISTER)).thenReturn(true);
        try (MockedConstruction<StandardListBoxModel> models = listModels();
             MockedStatic<CredentialsMatchers> matchers = mockStatic(CredentialsMatchers.class);
             MockedStatic<AuthenticationTokens> tokens = mockStatic(AuthenticationTokens.class)) {
            CredentialsMatcher always = mock(CredentialsMatcher.class, "always");
            CredentialsMatcher usernamePassword = mock(CredentialsMatcher.class, "usernamePassword");
            CredentialsMatcher token = mock(CredentialsMatcher.class, "token");
            CredentialsMatcher registry = mock(CredentialsMatcher.class, "registry");
            CredentialsMatcher text = mock(CredentialsMatcher.class, "text");
            CredentialsMatcher file = mock(CredentialsMatcher.class, "file");
            CredentialsMatcher secret = mock(CredentialsMatcher.class, "secret");
            matchers.when(CredentialsMatchers::always).thenReturn(always);
            matchers.when(() -> CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class))
                    .thenReturn(usernamePassword);
            matchers.when(() -> CredentialsMatchers.instanceOf(StringCredentials.class)).thenReturn(text);
            matchers.when(() -> CredentialsMatchers.instanceOf(FileCredentials.class)).thenReturn(file);
            matchers.when(() -> CredentialsMatchers.anyOf(usernamePassword, token)).thenReturn(registry);
            matchers.when(() -> CredentialsMatchers.anyOf(text, file)).thenReturn(secret);
            tokens.when(() -> AuthenticationTokens.matcher(DockerRegistryToken.class)).thenReturn(token);
            // on the global page, SYSTEM scope is left out (SystemScopeCredentialsTest)
            CredentialsMatcher system = mock(CredentialsMatcher.class, "system");
            CredentialsMatcher notSystem = mock(CredentialsMatcher.class, "notSystem");
            CredentialsMatcher globalOnly = mock(CredentialsMatcher.class, "globalOnly");
            matchers.when(() -> CredentialsMatchers.withScope(CredentialsScope.SYSTEM)).thenReturn(system);
            matchers.when(() -> CredentialsMatchers.not(system)).thenReturn(notSystem);
            matchers.when(() -> CredentialsMatchers.allOf(always, notSystem)).thenReturn(globalOnly);

            new ContainerPushStep.DescriptorImpl().doFillCredentialsIdItems(job, "registry-ci");
            new TcpDaemon.DescriptorImpl().doFillCredentialsIdItems(null, "tls");
            new PullRegistry.DescriptorImpl().doFillCredentialsIdItems(job, "ecr");
            new SecretMount.DescriptorImpl().doFillCredentialsIdItems(job, "npmrc-file");
            new SshMount.DescriptorImpl().doFillCredentialsIdItems(job, "deploy-key");

            StandardListBoxModel inJob = models.constructed().get(0);
            verify(inJob).includeEmptyValue();
            // registry logins: username and password, or what converts to a Docker registry token (ECR, GCR)
            verify(inJob).includeMatchingAs(isNull(), eq(job), eq(StandardCredentials.class), eq(List.of()),
                    eq(registry));
            verify(inJob).includeCurrentValue("registry-ci");
            verify(models.constructed().get(1)).includeMatchingAs(isNull(), isNull(), eq(DockerServerCredentials.class),
                    eq(List.of()), eq(globalOnly));
            verify(models.constructed().get(2)).includeMatchingAs(isNull(), eq(job), eq(StandardCredentials.class),
                    eq(List.of()), eq(registry));
            verify(models.constructed().get(2)).includeCurrentValue("ecr");
            verify(models.constructed().get(3)).includeMatchingAs(isNull(), eq(job), eq(StandardCredentials.class),
                    eq(List.of()), eq(secret));
            verify(models.constructed().get(3)).includeCurrentValue("npmrc-file");
            verify(models.constructed().get(4)).includeMatchingAs(isNull(), eq(job), eq(SSHUserPrivateKey.class),
                    eq(List.of()), eq(always));
            verify(models.constructed().get(4)).includeCurrentValue("deploy-key");
        }
    }

    /** The drop-downs of the build's credentials show a user who may not configure the job the current value only. */
    @Test
    void theBuildCredentialsDropDownsHoldOnlyTheCurrentValueWithoutPermission() {
        try (MockedConstruction<StandardListBoxModel> models = listModels();
             MockedStatic<CredentialsMatchers> matchers = mockStatic(CredentialsMatchers.class);
             MockedStatic<AuthenticationTokens> tokens = mockStatic(AuthenticationTokens.class)) {
            new PullRegistry.DescriptorImpl().doFillCredentialsIdItems(job, "ecr");
            new SecretMount.DescriptorImpl().doFillCredentialsIdItems(job, "npmrc-file");
            new SshMount.DescriptorImpl().doFillCredentialsIdItems(job, null);

            assertThat(models.constructed()).hasSize(3);
            verify(models.constructed().get(0)).includeCurrentValue("ecr");
            verify(models.constructed().get(1)).includeCurrentValue("npmrc-file");
            verify(models.constructed().get(2)).includeCurrentValue("");
            for (StandardListBoxModel m : models.constructed()) {
                verify(m, never()).includeMatchingAs(any(), any(), any(), any(), any());
            }
            verify(job, org.mockito.Mockito.times(3)).hasPermission(Item.CONFIGURE);
        }
    }

    @Test
    void checksAndConnectionTestsRefuseUsersWhoMayNotConfigure() {
        doThrow(new AccessDeniedException("no configure")).when(job).checkPermission(Item.CONFIGURE);
        doThrow(new AccessDeniedException("no administer")).when(jenkins).checkPermission(Jenkins.ADMINISTER);

        assertThatThrownBy(() -> new TcpDaemon.DescriptorImpl().doCheckUri(job, "tcp://host:2376"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new TcpDaemon.DescriptorImpl().doTestConnection(job, "tcp://127.0.0.1:1", null))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new DoodDaemon.DescriptorImpl().doTestConnection("/var/run/docker.sock"))
                .isInstanceOf(AccessDeniedException.class).hasMessage("no administer");
        assertThatThrownBy(() -> new PodmanDaemon.DescriptorImpl().doTestConnection(""))
                .isInstanceOf(AccessDeniedException.class).hasMessage("no administer");
        assertThatThrownBy(() -> new PodmanDaemon.DescriptorImpl().doCheckSocket(job, "/run/podman/podman.sock"))
                .isInstanceOf(AccessDeniedException.class).hasMessage("no configure");
        assertThatThrownBy(() -> new DindDaemon.DescriptorImpl().doCheckImage(job, "docker:dind"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new ContainerPushStep.DescriptorImpl().doCheckRegistry(job, "x"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new ContainerBuildBuilder.DescriptorImpl().doCheckTags(job, "app:1"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new ContainerPushStep.DescriptorImpl().doCheckTimeout(job, "10m"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new ContainerBuildBuilder.DescriptorImpl().doCheckTimeout(job, "10m"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new NamedRegistry.DescriptorImpl().doCheckName(null, "internal"))
                .isInstanceOf(AccessDeniedException.class).hasMessage("no administer");
        assertThatThrownBy(() -> new NamedRegistry.DescriptorImpl().doCheckUrl(null, "reg.example.com"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new PullRegistry.DescriptorImpl().doCheckName(job, "internal"))
                .isInstanceOf(AccessDeniedException.class).hasMessage("no configure");
        assertThatThrownBy(() -> new PullRegistry.DescriptorImpl().doCheckUrl(job, "reg.example.com"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new SecretMount.DescriptorImpl().doCheckId(job, "npmrc"))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new SshMount.DescriptorImpl().doCheckId(job, "default"))
                .isInstanceOf(AccessDeniedException.class);
        validation.verifyNoInteractions();
        verify(JenkinsStatics.configuration(), never()).save();
    }

    @Test
    void checksAnswerWithTheStepsOwnRules() {
        assertThat(new TcpDaemon.DescriptorImpl().doCheckUri(job, "tcp://host:2376")).isSameAs(ok);
        assertThat(new TcpDaemon.DescriptorImpl().doCheckUri(job, "http://host")).isSameAs(error);
        validation.verify(() -> FormValidation.error(
                "Daemon address 'http://host' is not a TCP address: write it as tcp://HOST:PORT."));
        assertThat(new ContainerBuildBuilder.DescriptorImpl().doCheckTags(job, "app:1\napp:${BUILD_NUMBER}\n"))
                .isSameAs(ok);
        assertThat(new ContainerBuildBuilder.DescriptorImpl().doCheckTags(job, "app:1\nNot A Tag")).isSameAs(error);
        assertThat(new ContainerBuildBuilder.DescriptorImpl().doCheckBuilder(job, "kaniko")).isSameAs(error);
        assertThat(new DindDaemon.DescriptorImpl().doCheckCacheVolume(job, "a b")).isSameAs(error);
        assertThat(new DoodDaemon.DescriptorImpl().doCheckSocket(job, "docker.sock")).isSameAs(error);
        assertThat(new PodmanDaemon.DescriptorImpl().doCheckSocket(job, "podman.sock")).isSameAs(error);
        assertThat(new PodmanDaemon.DescriptorImpl().doCheckSocket(job, "unix:///run/podman/podman.sock")).isSameAs(ok);
        assertThat(new PodmanDaemon.DescriptorImpl().doCheckSocket(job, " ")).isSameAs(ok);
        validation.verify(() -> FormValidation.ok(org.mockito.ArgumentMatchers.startsWith(
                "Empty: the agent finds the socket as Podman's tools do (CONTAINER_HOST")));

        assertThat(new ContainerPushStep.DescriptorImpl().doCheckTimeout(job, "")).isSameAs(ok);
        assertThat(new ContainerPushStep.DescriptorImpl().doCheckTimeout(job, " 90s ")).isSameAs(ok);
        assertThat(new ContainerPushStep.DescriptorImpl().doCheckTimeout(job, "10 minutes")).isSameAs(error);
        validation.verify(() -> FormValidation.error("timeout '10 minutes' is not a duration: give a positive whole"
                + " number with s, m or h, such as 90s, 20m or 2h, at most 168h."));
        assertThat(new ContainerBuildBuilder.DescriptorImpl().doCheckTimeout(job, "${PUSH_TIMEOUT}")).isSameAs(ok);
        assertThat(new ContainerBuildBuilder.DescriptorImpl().doCheckTimeout(job, "0m")).isSameAs(error);

        JenkinsStatics.configuration().setRegistries(List.of(new NamedRegistry("internal", "reg.example.com")));
        assertThat(new ContainerPushStep.DescriptorImpl().doCheckRegistry(job, "internal")).isSameAs(ok);
        assertThat(new ContainerPushStep.DescriptorImpl().doCheckRegistry(job, "https://reg.example.com/x"))
                .isSameAs(error);

        assertThat(new PullRegistry.DescriptorImpl().doCheckName(job, "internal")).isSameAs(ok);
        assertThat(new PullRegistry.DescriptorImpl().doCheckName(job, "")).as("an address may be given").isSameAs(ok);
        assertThat(new PullRegistry.DescriptorImpl().doCheckName(job, "elsewhere")).isSameAs(error);
        validation.verify(() -> FormValidation.error("Registry 'elsewhere' is not in the global configuration: add it"
                + " in Manage Jenkins > System > Container Build, or give url: and credentialsId: instead."));
        assertThat(new PullRegistry.DescriptorImpl().doCheckUrl(job, "https://reg.example.com:5443")).isSameAs(ok);
        assertThat(new PullRegistry.DescriptorImpl().doCheckUrl(job, "ftp://reg")).isSameAs(error);
        assertThat(new SecretMount.DescriptorImpl().doCheckId(job, "npmrc")).isSameAs(ok);
        assertThat(new SecretMount.DescriptorImpl().doCheckId(job, "npm rc")).isSameAs(error);
        validation.verify(() -> FormValidation.error("Id 'npm rc' is invalid: use letters, digits, '.', '_' and '-'"
                + " only, as in RUN --mount=type=secret,id=npmrc."));
        assertThat(new SshMount.DescriptorImpl().doCheckId(job, "")).as("empty: default").isSameAs(ok);
        assertThat(new SshMount.DescriptorImpl().doCheckId(job, "git,hub")).isSameAs(error);
        verify(job, org.mockito.Mockito.atLeastOnce()).checkPermission(Item.CONFIGURE);
    }

    @Test
    void testConnectionPingsTheDaemonFromTheControllerAndReportsFailures() {
        Lab lab = Lab.get();
        assertThat(new DoodDaemon.DescriptorImpl().doTestConnection(lab.hostSocket().toString())).isSameAs(ok);
        validation.verify(() -> FormValidation.ok(org.mockito.ArgumentMatchers.startsWith(
                "Connected to unix://" + lab.hostSocket() + " (API ")));

        assertThat(new PodmanDaemon.DescriptorImpl().doTestConnection(lab.podman().socket().toString())).isSameAs(ok);
        validation.verify(() -> FormValidation.ok(org.mockito.ArgumentMatchers.startsWith(
                "Connected to unix://" + lab.podman().socket() + " (Podman ")));

        Path missing = dir.resolve("missing.sock");
        assertThat(new DoodDaemon.DescriptorImpl().doTestConnection(missing.toString())).isSameAs(error);
        validation.verify(() -> FormValidation.error(org.mockito.ArgumentMatchers.startsWith(
                "Could not connect to unix://" + missing + " from the controller: ")));
        assertThat(new TcpDaemon.DescriptorImpl().doTestConnection(job, "not-tcp", null)).isSameAs(error);
        verify(jenkins, org.mockito.Mockito.times(3)).checkPermission(Jenkins.ADMINISTER);
    }
}
