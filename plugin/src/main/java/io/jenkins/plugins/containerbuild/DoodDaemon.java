package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.FormValidation;
import jenkins.model.Jenkins;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/** The Docker daemon of the agent, through its unix socket ("Docker outside of Docker"). */
public final class DoodDaemon extends DaemonSpec {

    private static final long serialVersionUID = 1L;

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
        String s = Util.fixEmptyAndTrim(socket);
        this.socket = s == null ? DEFAULT_SOCKET : InvalidValueException.normalisedOrAsGiven(s, SocketPaths::normalise);
    }

    @Override
    void check() throws InvalidValueException {
        InvalidValueException.require("socket", () -> SocketPaths.normalise(socket));
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        try {
            check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        return ResolvedDaemon.socket(SocketPaths.normalise(socket));
    }

    @Extension
    @Symbol("dood")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.DoodDaemon_DisplayName();
        }

        @POST
        public FormValidation doCheckSocket(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return FormSupport.check(() -> SocketPaths.normalise(Util.fixEmptyAndTrim(value)));
        }

        /**
         * Pings the socket as seen from the controller (the agents' sockets are not reachable from here), so only
         * administrators may use it, also from a job's configuration.
         */
        @POST
        public FormValidation doTestConnection(@QueryParameter String socket) {
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
            String path;
            try {
                path = SocketPaths.normalise(Util.fixEmptyAndTrim(socket));
            } catch (IllegalArgumentException e) {
                return FormValidation.error(e.getMessage());
            }
            return ConnectionTest.ping(ResolvedDaemon.socket(path));
        }
    }
}
