package io.jenkins.plugins.containerbuild.engine;

/**
 * A DinD sidecar was refused its cache volume because another container (a running sidecar of any owner, or one
 * created just before it) mounts that volume: two daemons on one {@code /var/lib/docker} corrupt it.
 */
public class CacheVolumeInUseException extends DindStartException {

    private static final long serialVersionUID = 1L;

    private final String volume;
    private final String holder;

    public CacheVolumeInUseException(String volume, String holder, String message) {
        super(message);
        this.volume = volume;
        this.holder = holder;
    }

    /** The cache volume asked for. */
    public String volume() {
        return volume;
    }

    /** The id of the container that holds it. */
    public String holder() {
        return holder;
    }
}
