package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Run;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** The Docker daemon of the agent, through its unix socket ("Docker outside of Docker"). */
public final class DoodDaemon extends DaemonSpec {

    static final String DEFAULT_SOCKET = "/var/run/docker.sock";

    private String socket = DEFAULT_SOCKET;

    @DataBoundConstructor
    public DoodDaemon() {}

    /** The socket path on the agent; {@code /var/run/docker.sock} by default. */
    public String getSocket() {
        return socket;
    }

    /** Accepts {@code /path} or {@code unix:///path}; blank means the default socket. */
    @DataBoundSetter
    public void setSocket(String socket) {
        this.socket = SocketPaths.normalise(Util.fixEmptyAndTrim(socket));
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return ResolvedDaemon.socket(socket);
    }

    @Extension
    @Symbol("dood")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.DoodDaemon_DisplayName();
        }
    }
}
