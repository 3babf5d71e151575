package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.FormValidation;
import java.util.List;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * A Docker-in-Docker sidecar started from {@code image} on the agent's daemon for the length of one step, then
 * removed. A named {@code cacheVolume} keeps its layers (and the images it built) for the next step. What is not
 * given (image, security profile, cache volume) comes from the global configuration when the step runs.
 */
public final class DindDaemon extends DaemonSpec {

    private static final long serialVersionUID = 1L;

    /** Stands for the image where only another option is checked. */
    private static final String ANY_IMAGE = "docker:dind";

    private final String image;
    private String cacheVolume;
    private String security;
    private String socket = DoodDaemon.DEFAULT_SOCKET;

    /** @param image blank for the global default; checked by {@link #check()}, not here */
    @DataBoundConstructor
    public DindDaemon(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    /** An image reference that can start a sidecar; IllegalArgumentException naming it otherwise. */
    static String checkImage(String image) {
        ImageReference.parse(image);
        return DindOptions.of(image).image();
    }

    /** The image that runs {@code dockerd}, such as {@code docker:dind}; null for the global default. */
    public String getImage() {
        return image;
    }

    /** A named volume that keeps the sidecar's {@code /var/lib/docker}; null for the global default (none). */
    public String getCacheVolume() {
        return cacheVolume;
    }

    @DataBoundSetter
    public void setCacheVolume(String cacheVolume) {
        this.cacheVolume = Util.fixEmptyAndTrim(cacheVolume);
    }

    /** {@code privileged} or {@code capabilities}; null for the global default ({@code privileged}). */
    public String getSecurity() {
        return security;
    }

    @DataBoundSetter
    public void setSecurity(String security) {
        this.security = InvalidValueException.normalisedOrAsGiven(Util.fixEmptyAndTrim(security),
                s -> DindOptions.SecurityProfile.parse(s).toString());
    }

    /** The socket of the agent's daemon that starts the sidecar; {@code /var/run/docker.sock} by default. */
    public String getSocket() {
        return socket;
    }

    @DataBoundSetter
    public void setSocket(String socket) {
        String s = Util.fixEmptyAndTrim(socket);
        this.socket = s == null ? DoodDaemon.DEFAULT_SOCKET
                : InvalidValueException.normalisedOrAsGiven(s, SocketPaths::normalise);
    }

    @Override
    void check() throws InvalidValueException {
        if (image != null) {
            InvalidValueException.require("image", () -> checkImage(image));
        }
        if (cacheVolume != null) {
            InvalidValueException.require("cacheVolume", () -> DindOptions.of(ANY_IMAGE).withCacheVolume(cacheVolume));
        }
        if (security != null) {
            InvalidValueException.require("security", () -> DindOptions.SecurityProfile.parse(security));
        }
        InvalidValueException.require("socket", () -> SocketPaths.normalise(socket));
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        try {
            check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        ContainerBuildConfiguration global = ContainerBuildConfiguration.get();
        String i = image != null ? image : global.getDindImage();
        String v = cacheVolume != null ? cacheVolume : global.getDindCacheVolume();
        String s = DindOptions.SecurityProfile.parse(security != null ? security : global.getDindSecurity()).toString();
        if (i == null) {
            throw new AbortException(Messages.DindDaemon_NoImage());
        }
        List<String> allowed = global.allowedDindImagePatterns();
        if (!DindImages.allowed(i, allowed)) {
            throw new AbortException(Messages.DindDaemon_ImageNotAllowed(i, String.join(", ", allowed)));
        }
        String id = run.getExternalizableId();
        if (v != null && !global.isSharedCacheVolumes()) {
            v = DindImages.jobVolume(id.substring(0, Math.max(0, id.lastIndexOf('#'))), v);
        }
        return ResolvedDaemon.dind(SocketPaths.normalise(socket), i, v, s, id);
    }

    @Extension
    @Symbol("dind")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.DindDaemon_DisplayName();
        }

        @POST
        public FormValidation doCheckImage(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String i = Util.fixEmptyAndTrim(value);
            return i == null ? FormValidation.ok(Messages.DindDaemon_GlobalImage())
                    : FormSupport.check(() -> checkImage(i));
        }

        @POST
        public FormValidation doCheckCacheVolume(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return FormSupport.check(() -> DindOptions.of(ANY_IMAGE).withCacheVolume(Util.fixEmptyAndTrim(value)));
        }

        @POST
        public FormValidation doCheckSecurity(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String s = Util.fixEmptyAndTrim(value);
            return s == null ? FormValidation.ok() : FormSupport.check(() -> DindOptions.SecurityProfile.parse(s));
        }
    }
}
