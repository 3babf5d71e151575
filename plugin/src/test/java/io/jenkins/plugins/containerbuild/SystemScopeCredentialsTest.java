package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockConstruction;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.when;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.FormValidation;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.ArrayList;
import java.util.List;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.MockedConstruction;
import org.mockito.MockedStatic;

/**
 * The system page (no item) offers and accepts only credentials a build can read: the credentials API lists the
 * Jenkins root there, SYSTEM scope included, while a build's {@code findCredentialById(id, type, run)} never sees
 * SYSTEM scope ({@link SystemCredentialsStore} models that rule). Its drop-downs leave SYSTEM credentials out, its
 * checks say why such an id (typed, or kept from an older configuration) cannot work, and "Test connection" refuses
 * it instead of connecting with credentials no build will get.
 */
@ExtendWith(JenkinsStatics.class)
class SystemScopeCredentialsTest {

    private final Jenkins jenkins = mock(Jenkins.class);
    private MockedStatic<Jenkins> jenkinsStatic;
    private MockedStatic<FormValidation> validation;
    private MockedStatic<AuthenticationTokens> tokens;
    private final FormValidation ok = mock(FormValidation.class, "ok");
    private final FormValidation error = mock(FormValidation.class, "error");
    private final TlsMaterial tls = Lab.get().clientTls();
    private final DockerServerCredentials tlsGlobal = tls("tls-global", CredentialsScope.GLOBAL);
    private final DockerServerCredentials tlsSystem = tls("tls-system", CredentialsScope.SYSTEM);
    private final StandardUsernamePasswordCredentials registrySystem = mock(StandardUsernamePasswordCredentials.class);

    @BeforeEach
    void mockJenkins() {
        jenkinsStatic = mockStatic(Jenkins.class);
        jenkinsStatic.when(Jenkins::get).thenReturn(jenkins);
        when(jenkins.hasPermission(Jenkins.ADMINISTER)).thenReturn(true);
        validation = mockStatic(FormValidation.class);
        validation.when(FormValidation::ok).thenReturn(ok);
        validation.when(() -> FormValidation.ok(anyString())).thenReturn(ok);
        validation.when(() -> FormValidation.error(anyString())).thenReturn(error);
        tokens = mockStatic(AuthenticationTokens.class);
        tokens.when(() -> AuthenticationTokens.matcher(DockerRegistryToken.class))
                .thenReturn((CredentialsMatcher) c -> false);
        when(registrySystem.getId()).thenReturn("registry-system");
        when(registrySystem.getScope()).thenReturn(CredentialsScope.SYSTEM);
    }

    @AfterEach
    void close() {
        tokens.close();
        validation.close();
        jenkinsStatic.close();
    }

    private static DockerServerCredentials tls(String id, CredentialsScope scope) {
        DockerServerCredentials c = mock(DockerServerCredentials.class, id);
        when(c.getId()).thenReturn(id);
        when(c.getScope()).thenReturn(scope);
        TlsMaterial tls = Lab.get().clientTls();
        hudson.util.Secret key = Fixtures.secret(tls.keyPem());
        when(c.getClientKeySecret()).thenReturn(key);
        when(c.getClientCertificate()).thenReturn(tls.certPem());
        when(c.getServerCaCertificate()).thenReturn(tls.caPem());
        return c;
    }

    private SystemCredentialsStore store() {
        return new SystemCredentialsStore(tlsGlobal, tlsSystem, registrySystem);
    }

    /** What a drop-down shows: what the credentials API lists for its item with the matcher it was given. */
    private static List<Credentials> listed(SystemCredentialsStore store, Class<?> type, Runnable fill) {
        List<Credentials> shown = new ArrayList<>();
        try (MockedConstruction<StandardListBoxModel> models = mockConstruction(StandardListBoxModel.class,
                (model, context) -> {
                    when(model.includeCurrentValue(any())).thenReturn(model);
                    when(model.includeEmptyValue()).thenReturn(model);
                    when(model.includeMatchingAs(any(), any(), any(), any(), any())).thenAnswer(i -> {
                        shown.addAll(store.visible(i.getArgument(2), i.getArgument(1), i.getArgument(4)));
                        return model;
                    });
                })) {
            fill.run();
            assertThat(models.constructed()).hasSize(1);
        }
        return shown.stream().filter(type::isInstance).toList();
    }

    @Test
    void theSystemPageListsNoSystemScopedCredentials() {
        try (SystemCredentialsStore store = store()) {
            assertThat(listed(store, DockerServerCredentials.class,
                    () -> new TcpDaemon.DescriptorImpl().doFillCredentialsIdItems(null, "")))
                    .as("the global default daemon's client certificates").containsExactly(tlsGlobal);
            assertThat(listed(store, Credentials.class,
                    () -> new NamedRegistry.DescriptorImpl().doFillCredentialsIdItems(null, "")))
                    .as("a global registry's logins").isEmpty();
        }
    }

    @Test
    void theSystemPageCheckSaysASystemScopedIdIsOfNoUseToBuilds() throws Exception {
        try (SystemCredentialsStore store = store()) {
            // what the check warns about: a build cannot find the id
            Run<?, ?> run = mock(Run.class);
            assertThatThrownBy(() -> CredentialsLookup.clientCertificate("tls-system", run))
                    .isInstanceOf(AbortException.class).hasMessageContaining("were not found");
            assertThat(CredentialsLookup.clientCertificate("tls-global", run).certPem()).isEqualTo(tls.certPem());

            assertThat(new TcpDaemon.DescriptorImpl().doCheckCredentialsId(null, "tls-global")).isSameAs(ok);
            assertThat(new TcpDaemon.DescriptorImpl().doCheckCredentialsId(null, "tls-system")).isSameAs(error);
            validation.verify(() -> FormValidation.error("Credentials 'tls-system' are in System scope, which only"
                    + " Jenkins itself may use, never a build: give them Global scope, or choose other X.509 Client"
                    + " Certificate credentials."));
            assertThat(new NamedRegistry.DescriptorImpl().doCheckCredentialsId(null, "registry-system"))
                    .isSameAs(error);
            validation.verify(() -> FormValidation.error(startsWith("Credentials 'registry-system' are in System"
                    + " scope, which only Jenkins itself may use, never a build")));
        }
    }

    @Test
    void testConnectionRefusesSystemScopedCredentialsInsteadOfConnectingWithThem() {
        Lab lab = Lab.get();
        try (SystemCredentialsStore store = store()) {
            assertThat(new TcpDaemon.DescriptorImpl().doTestConnection(null, lab.tlsUri().toString(), "tls-system"))
                    .isSameAs(error);
            validation.verify(() -> FormValidation.error(startsWith("Credentials 'tls-system' are in System scope")));
            validation.verify(() -> FormValidation.ok(startsWith("Connected to")), org.mockito.Mockito.never());

            assertThat(new TcpDaemon.DescriptorImpl().doTestConnection(null, lab.tlsUri().toString(), "tls-global"))
                    .isSameAs(ok);
            validation.verify(() -> FormValidation.ok(startsWith("Connected to " + lab.tlsUri() + " (TLS)")));
        }
    }
}
