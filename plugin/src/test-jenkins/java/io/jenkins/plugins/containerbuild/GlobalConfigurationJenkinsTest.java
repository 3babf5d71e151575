package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.ExtensionList;
import java.util.List;
import org.htmlunit.html.DomNode;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * "Container Build" in Manage Jenkins &gt; System, in a real Jenkins (runs only with {@code -Pjenkins-repo}):
 * submitting the page unchanged keeps every value, including the nested daemon and the registries. Core-only:
 * {@code scripts/api-check --tests} checks it against the real API offline.
 */
@WithJenkins
class GlobalConfigurationJenkinsTest {

    @Test
    void systemPageKeepsEveryValue(JenkinsRule r) throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(new UsernamePasswordCredentialsImpl(
                CredentialsScope.GLOBAL, "ci-registry", "CI registry", "ci", "not-a-real-password"));
        ContainerBuildConfiguration config = ExtensionList.lookupSingleton(ContainerBuildConfiguration.class);
        TcpDaemon daemon = new TcpDaemon("tcp://docker.example.com:2376");
        daemon.setCredentialsId("docker-cert");
        config.setDefaultDaemon(daemon);
        NamedRegistry ci = new NamedRegistry("ci", "https://registry.example.com");
        ci.setCredentialsId("ci-registry");
        NamedRegistry mirror = new NamedRegistry("mirror", "mirror.example.com:5000");
        config.setRegistries(List.of(ci, mirror));
        config.setDindImage("docker:27-dind");
        config.setDindSecurity("capabilities");
        config.setDindCacheVolume("dind-cache");

        r.configRoundtrip();

        ContainerBuildConfiguration after = ExtensionList.lookupSingleton(ContainerBuildConfiguration.class);
        assertThat(after.getDefaultDaemon(), instanceOf(TcpDaemon.class));
        r.assertEqualDataBoundBeans(daemon, after.getDefaultDaemon());
        assertThat(((TcpDaemon) after.getDefaultDaemon()).getUri(), is("tcp://docker.example.com:2376"));
        assertThat(((TcpDaemon) after.getDefaultDaemon()).getCredentialsId(), is("docker-cert"));
        List<NamedRegistry> registries = after.getRegistries();
        assertThat(registries, hasSize(2));
        r.assertEqualDataBoundBeans(List.of(ci, mirror), registries);
        assertThat(registries.get(0).getName(), is("ci"));
        assertThat(registries.get(0).getUrl(), is("https://registry.example.com"));
        assertThat(registries.get(0).getCredentialsId(), is("ci-registry"));
        assertThat(registries.get(1).getName(), is("mirror"));
        assertThat(registries.get(1).getUrl(), is("mirror.example.com:5000"));
        assertThat(registries.get(1).getCredentialsId(), nullValue());
        assertThat(after.getDindImage(), is("docker:27-dind"));
        assertThat(after.getDindSecurity(), is("capabilities"));
        assertThat(after.getDindCacheVolume(), is("dind-cache"));

        // and what was saved is what a restarted Jenkins reads back
        ContainerBuildConfiguration reloaded = new ContainerBuildConfiguration();
        r.assertEqualDataBoundBeans(daemon, reloaded.getDefaultDaemon());
        r.assertEqualDataBoundBeans(List.of(ci, mirror), reloaded.getRegistries());
        assertThat(reloaded.getDindImage(), is("docker:27-dind"));
        assertThat(reloaded.getDindSecurity(), is("capabilities"));
        assertThat(reloaded.getDindCacheVolume(), is("dind-cache"));
    }

    @Test
    void defaultsSurviveTheSystemPage(JenkinsRule r) throws Exception {
        r.configRoundtrip();

        ContainerBuildConfiguration config = ExtensionList.lookupSingleton(ContainerBuildConfiguration.class);
        assertThat(config.getDefaultDaemon(), instanceOf(DoodDaemon.class));
        assertThat(((DoodDaemon) config.getDefaultDaemon()).getSocket(), is("/var/run/docker.sock"));
        assertThat(config.getRegistries(), hasSize(0));
        assertThat(config.getDindImage(), nullValue());
        assertThat(config.getDindSecurity(), is("privileged"));
        assertThat(config.getDindCacheVolume(), nullValue());
    }

    /** The default daemon cannot be "the global default": the system page does not offer that choice. */
    @Test
    void theSystemPageDoesNotOfferTheGlobalDefaultAsTheDefault(JenkinsRule r) throws Exception {
        HtmlPage page = r.createWebClient().goTo("configure");
        List<String> options = page.getByXPath("//select/option").stream()
                .map(o -> ((DomNode) o).getTextContent().trim()).toList();
        assertThat(options, hasItem(Messages.DoodDaemon_DisplayName()));
        assertThat(options, hasItem(Messages.TcpDaemon_DisplayName()));
        assertThat(options, not(hasItem(Messages.GlobalDefaultDaemon_DisplayName())));
    }
}
