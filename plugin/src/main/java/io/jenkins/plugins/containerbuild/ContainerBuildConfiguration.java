package io.jenkins.plugins.containerbuild;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.Util;
import hudson.model.Descriptor;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jenkins.model.GlobalConfiguration;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.StaplerRequest2;

/**
 * "Container Build" in Manage Jenkins &gt; System (and {@code unclassified: containerBuild:} in Configuration as
 * Code): the daemon of steps that name none, named registries with their credentials, and the defaults of DinD
 * sidecars. Read on the controller only.
 */
@Extension
@Symbol("containerBuild")
public class ContainerBuildConfiguration extends GlobalConfiguration {

    private DaemonSpec defaultDaemon;
    private List<NamedRegistry> registries;
    private String dindImage;
    private String dindSecurity;
    private String dindCacheVolume;
    /** Steps may not name a daemon of their own: every build uses {@link #getDefaultDaemon()}. Off by default. */
    private boolean forbidStepDaemons;
    /** DinD images steps may start, one per line, {@code *} matching any text; empty: any image. */
    private String allowedDindImages;
    /** Cache volumes keep the name a step gives; by default they are per job. Off by default. */
    private boolean sharedCacheVolumes;

    public ContainerBuildConfiguration() {
        load();
    }

    /** The configuration of this Jenkins. */
    static ContainerBuildConfiguration get() {
        return ExtensionList.lookupSingleton(ContainerBuildConfiguration.class);
    }

    /**
     * The daemon a step uses: its own, or else (none, or {@link GlobalDefaultDaemon}) the global default. Runs on
     * the controller.
     */
    static DaemonSpec daemonFor(DaemonSpec stepDaemon) throws hudson.AbortException {
        DaemonSpec own = GlobalDefaultDaemon.orNull(stepDaemon);
        ContainerBuildConfiguration global = get();
        if (own != null && global.isForbidStepDaemons()) {
            throw new hudson.AbortException(Messages.ContainerBuildConfiguration_StepDaemonForbidden());
        }
        return own != null ? own : global.getDefaultDaemon();
    }

    @Override
    public String getDisplayName() {
        return Messages.ContainerBuildConfiguration_DisplayName();
    }

    /**
     * The daemon of steps without {@code daemon:}; the agent's socket unless configured. Never a
     * {@link GlobalDefaultDaemon}: the global default cannot point to itself.
     */
    public DaemonSpec getDefaultDaemon() {
        DaemonSpec d = GlobalDefaultDaemon.orNull(defaultDaemon);
        return d != null ? d : new DoodDaemon();
    }

    /** {@link GlobalDefaultDaemon} (from Configuration as Code, say) counts as unset: the agent's socket. */
    @DataBoundSetter
    public void setDefaultDaemon(DaemonSpec defaultDaemon) {
        DaemonSpec d = GlobalDefaultDaemon.orNull(defaultDaemon);
        if (d != null) {
            // the daemon's constructor and setters keep what they are given: a bad value is refused here
            try {
                d.check();
            } catch (InvalidValueException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        this.defaultDaemon = d;
        save();
    }

    /**
     * The choices of the default-daemon selector of {@code global.jelly}: every daemon kind except
     * {@link GlobalDefaultDaemon}, in the order of the descriptor list.
     */
    public List<Descriptor<DaemonSpec>> getDaemonDescriptors() {
        List<Descriptor<DaemonSpec>> out = new ArrayList<>();
        for (Descriptor<DaemonSpec> d : Jenkins.get().<DaemonSpec, Descriptor<DaemonSpec>>getDescriptorList(DaemonSpec.class)) {
            if (!(d instanceof GlobalDefaultDaemon.DescriptorImpl)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Applies the submitted section as a whole: what the form leaves out (no registry rows left, say) goes back to
     * its default instead of keeping the old value, which is what binding alone would do. If the submission cannot
     * be applied, the previous configuration stays (and is saved again, since the setters save as they go).
     */
    @Override
    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        DaemonSpec oldDaemon = defaultDaemon;
        List<NamedRegistry> oldRegistries = registries;
        String oldImage = dindImage;
        String oldSecurity = dindSecurity;
        String oldCacheVolume = dindCacheVolume;
        boolean oldForbid = forbidStepDaemons;
        String oldAllowed = allowedDindImages;
        boolean oldShared = sharedCacheVolumes;
        defaultDaemon = null;
        registries = null;
        dindImage = null;
        dindSecurity = null;
        dindCacheVolume = null;
        forbidStepDaemons = false;
        allowedDindImages = null;
        sharedCacheVolumes = false;
        try {
            req.bindJSON(this, json);
        } catch (RuntimeException e) {
            defaultDaemon = oldDaemon;
            registries = oldRegistries;
            dindImage = oldImage;
            dindSecurity = oldSecurity;
            dindCacheVolume = oldCacheVolume;
            forbidStepDaemons = oldForbid;
            allowedDindImages = oldAllowed;
            sharedCacheVolumes = oldShared;
            save();
            throw new FormException(rootMessage(e), e, null);
        }
        save();
        return true;
    }

    /** The message of the innermost cause: Stapler wraps what a setter threw. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    public List<NamedRegistry> getRegistries() {
        return registries == null ? List.of() : Collections.unmodifiableList(registries);
    }

    /** Registries by name; names must be unique. */
    @DataBoundSetter
    public void setRegistries(List<NamedRegistry> registries) {
        List<NamedRegistry> list = registries == null ? List.of() : registries;
        Set<String> names = new HashSet<>();
        for (NamedRegistry r : list) {
            if (!names.add(r.getName())) {
                throw new IllegalArgumentException(Messages.NamedRegistry_Duplicate(r.getName()));
            }
        }
        this.registries = new ArrayList<>(list);
        save();
    }

    /** The registry configured under {@code name}, or null. */
    NamedRegistry registry(String name) {
        for (NamedRegistry r : getRegistries()) {
            if (r.getName().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** The image of {@code dind()} without {@code image:}; none by default. */
    public String getDindImage() {
        return dindImage;
    }

    @DataBoundSetter
    public void setDindImage(String dindImage) {
        String i = Util.fixEmptyAndTrim(dindImage);
        this.dindImage = i == null ? null : DindDaemon.checkImage(i);
        save();
    }

    /** The security profile of {@code dind()} without {@code security:}; {@code privileged} by default. */
    public String getDindSecurity() {
        return dindSecurity != null ? dindSecurity : DindOptions.SecurityProfile.PRIVILEGED.toString();
    }

    @DataBoundSetter
    public void setDindSecurity(String dindSecurity) {
        String s = Util.fixEmptyAndTrim(dindSecurity);
        this.dindSecurity = s == null ? null : DindOptions.SecurityProfile.parse(s).toString();
        save();
    }

    /** The cache volume of {@code dind()} without {@code cacheVolume:}; none by default. */
    public String getDindCacheVolume() {
        return dindCacheVolume;
    }

    @DataBoundSetter
    public void setDindCacheVolume(String dindCacheVolume) {
        String v = Util.fixEmptyAndTrim(dindCacheVolume);
        this.dindCacheVolume = v == null ? null : DindOptions.of("docker:dind").withCacheVolume(v).cacheVolume();
        save();
    }

    /** Whether a step's own {@code daemon:} is refused, so that every build uses the default daemon. */
    public boolean isForbidStepDaemons() {
        return forbidStepDaemons;
    }

    @DataBoundSetter
    public void setForbidStepDaemons(boolean forbidStepDaemons) {
        this.forbidStepDaemons = forbidStepDaemons;
        save();
    }

    /** The DinD images that may be started, one per line; null when any may. */
    public String getAllowedDindImages() {
        return allowedDindImages;
    }

    @DataBoundSetter
    public void setAllowedDindImages(String allowedDindImages) {
        List<String> patterns = DindImages.parse(allowedDindImages);
        this.allowedDindImages = patterns.isEmpty() ? null : String.join("\n", patterns);
        save();
    }

    /** The allowed DinD image patterns; empty when any image may be started. */
    List<String> allowedDindImagePatterns() {
        return DindImages.parse(allowedDindImages);
    }

    /** Whether DinD cache volumes are shared by every job that names them, instead of one per job. */
    public boolean isSharedCacheVolumes() {
        return sharedCacheVolumes;
    }

    @DataBoundSetter
    public void setSharedCacheVolumes(boolean sharedCacheVolumes) {
        this.sharedCacheVolumes = sharedCacheVolumes;
        save();
    }
}
