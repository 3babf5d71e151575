package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Run;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * A Docker-in-Docker sidecar started from {@code image} on the agent's daemon for the length of one step, then
 * removed. A named {@code cacheVolume} keeps its layers (and the images it built) for the next step.
 */
public final class DindDaemon extends DaemonSpec {

    private final String image;
    private String cacheVolume;
    private String security = DindOptions.SecurityProfile.PRIVILEGED.toString();
    private String socket = DoodDaemon.DEFAULT_SOCKET;

    @DataBoundConstructor
    public DindDaemon(String image) {
        String i = Util.fixEmptyAndTrim(image);
        // checked here so that a bad value fails when the step is read, not on the agent
        this.image = DindOptions.of(i == null ? "" : i).image();
    }

    /** The image that runs {@code dockerd}, such as {@code docker:dind}. */
    public String getImage() {
        return image;
    }

    /** A named volume that keeps the sidecar's {@code /var/lib/docker}; none by default. */
    public String getCacheVolume() {
        return cacheVolume;
    }

    @DataBoundSetter
    public void setCacheVolume(String cacheVolume) {
        String v = Util.fixEmptyAndTrim(cacheVolume);
        this.cacheVolume = v == null ? null : DindOptions.of(image).withCacheVolume(v).cacheVolume();
    }

    /** {@code privileged} (the default) or {@code capabilities}. */
    public String getSecurity() {
        return security;
    }

    @DataBoundSetter
    public void setSecurity(String security) {
        String s = Util.fixEmptyAndTrim(security);
        this.security = s == null ? DindOptions.SecurityProfile.PRIVILEGED.toString()
                : DindOptions.SecurityProfile.parse(s).toString();
    }

    /** The socket of the agent's daemon that starts the sidecar; {@code /var/run/docker.sock} by default. */
    public String getSocket() {
        return socket;
    }

    @DataBoundSetter
    public void setSocket(String socket) {
        this.socket = SocketPaths.normalise(Util.fixEmptyAndTrim(socket));
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return ResolvedDaemon.dind(socket, image, cacheVolume, security, run.getExternalizableId());
    }

    @Extension
    @Symbol("dind")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.DindDaemon_DisplayName();
        }
    }
}
