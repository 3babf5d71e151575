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

/**
 * A Podman service on the agent, through its Docker-compatible socket: Podman builds with Buildah (whichever builder
 * is asked for) and has no BuildKit session, so secrets, SSH forwarding and outputs are refused there. Without a
 * socket the agent finds it as Podman's own tools do: {@code CONTAINER_HOST}, then a rootless agent user's
 * {@code $XDG_RUNTIME_DIR/podman/podman.sock}, then {@code /run/podman/podman.sock}.
 */
public final class PodmanDaemon extends DaemonSpec {

    private static final long serialVersionUID = 1L;

    private String socket; // null: found on the agent

    @DataBoundConstructor
    public PodmanDaemon() {}

    /** The socket path on the agent; null (blank in the form) when the agent finds it. */
    public String getSocket() {
        return socket;
    }

    /** Accepts {@code /path} or {@code unix:///path}; blank means "found on the agent". */
    @DataBoundSetter
    public void setSocket(String socket) {
        String s = Util.fixEmptyAndTrim(socket);
        this.socket = s == null ? null : SocketPaths.normalise(s);
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return ResolvedDaemon.podman(socket);
    }

    @Extension
    @Symbol("podman")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.PodmanDaemon_DisplayName();
        }

        @POST
        public FormValidation doCheckSocket(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String s = Util.fixEmptyAndTrim(value);
            if (s == null) {
                return FormValidation.ok(Messages.PodmanDaemon_FoundOnTheAgent());
            }
            return FormSupport.check(() -> SocketPaths.normalise(s));
        }

        /**
         * Pings the socket as seen from the controller (a blank socket is looked for there, in the controller's
         * environment), so only administrators may use it, also from a job's configuration.
         */
        @POST
        public FormValidation doTestConnection(@QueryParameter String socket) {
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
            String s = Util.fixEmptyAndTrim(socket);
            String path;
            try {
                path = s == null ? null : SocketPaths.normalise(s);
            } catch (IllegalArgumentException e) {
                return FormValidation.error(e.getMessage());
            }
            return ConnectionTest.ping(ResolvedDaemon.podman(path));
        }
    }
}
