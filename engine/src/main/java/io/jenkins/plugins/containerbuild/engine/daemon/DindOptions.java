package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How to start a DinD sidecar: its image, an optional named volume that keeps the inner daemon's layer cache,
 * the security profile, how long it may take to come up, and the owner written on its labels.
 */
public record DindOptions(String image, String cacheVolume, SecurityProfile security, Duration startTimeout,
                          String owner) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    public DindOptions {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("DinD image is empty: name an image that runs dockerd, such as docker:dind.");
        }
        if (cacheVolume != null && cacheVolume.isBlank()) {
            cacheVolume = null;
        }
        if (cacheVolume != null && !cacheVolume.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new IllegalArgumentException("DinD cache volume '" + cacheVolume
                    + "' is not a volume name: use letters, digits, '_', '.' and '-'.");
        }
        Objects.requireNonNull(security, "security");
        startTimeout = startTimeout != null ? startTimeout : Duration.ofSeconds(60);
        owner = owner != null && !owner.isBlank() ? owner : "containerbuild";
    }

    public static DindOptions of(String image) {
        return new DindOptions(image, null, SecurityProfile.PRIVILEGED, null, null);
    }

    public DindOptions withCacheVolume(String volume) {
        return new DindOptions(image, volume, security, startTimeout, owner);
    }

    public DindOptions withSecurity(SecurityProfile profile) {
        return new DindOptions(image, cacheVolume, profile, startTimeout, owner);
    }

    public DindOptions withStartTimeout(Duration timeout) {
        return new DindOptions(image, cacheVolume, security, timeout, owner);
    }

    public DindOptions withOwner(String newOwner) {
        return new DindOptions(image, cacheVolume, security, startTimeout, newOwner);
    }

    /** How much the sidecar may do on the host. */
    public enum SecurityProfile {
        /** {@code --privileged}: what DinD usually needs. */
        PRIVILEGED,
        /**
         * Every capability but SYS_RESOURCE, no seccomp or AppArmor confinement, all devices, the host cgroup
         * tree: for hosts whose capability bounding set makes {@code --privileged} fail.
         */
        CAPABILITIES;

        public static SecurityProfile parse(String name) {
            for (SecurityProfile p : values()) {
                if (p.name().equalsIgnoreCase(name.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("Unknown DinD security profile '" + name
                    + "': use 'privileged' or 'capabilities'.");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
