package io.jenkins.plugins.containerbuild;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.Util;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jenkins.model.GlobalConfiguration;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;

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

    public ContainerBuildConfiguration() {
        load();
    }

    /** The configuration of this Jenkins. */
    static ContainerBuildConfiguration get() {
        return ExtensionList.lookupSingleton(ContainerBuildConfiguration.class);
    }

    /** The daemon a step uses: its own, or else the global default. Runs on the controller. */
    static DaemonSpec daemonFor(DaemonSpec stepDaemon) {
        return stepDaemon != null ? stepDaemon : get().getDefaultDaemon();
    }

    @Override
    public String getDisplayName() {
        return Messages.ContainerBuildConfiguration_DisplayName();
    }

    /** The daemon of steps without {@code daemon:}; the agent's socket unless configured. */
    public DaemonSpec getDefaultDaemon() {
        return defaultDaemon != null ? defaultDaemon : new DoodDaemon();
    }

    @DataBoundSetter
    public void setDefaultDaemon(DaemonSpec defaultDaemon) {
        this.defaultDaemon = defaultDaemon;
        save();
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
        this.dindImage = i == null ? null : DindOptions.of(i).image();
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
}
