package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What to push: tags already on the daemon, optional registry credentials, the retry policy and the time limit. */
public final class PushRequest {

    private final List<String> tags;
    private final RegistryCredentials credentials;
    private final String registry;
    private final int retries;
    private final Duration initialBackoff;
    private final Duration timeout;

    private PushRequest(Builder b) {
        if (b.tags.isEmpty()) {
            throw new IllegalArgumentException("Nothing to push: give at least one tag.");
        }
        this.tags = List.copyOf(b.tags);
        this.credentials = b.credentials;
        this.registry = b.credentials == null ? null : registryOf(tags.get(0));
        if (registry != null) {
            for (String tag : tags) {
                if (!registryOf(tag).equals(registry)) {
                    throw new IllegalArgumentException("Tag '" + tag + "' is on registry " + registryOf(tag)
                            + ", but the credentials are for " + registry + ", the registry of the first tag: push it"
                            + " in a separate push with credentials for " + registryOf(tag) + ".");
                }
            }
        }
        this.retries = b.retries;
        this.initialBackoff = b.initialBackoff;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> tags() { return tags; }
    /** Null when the registry needs none. */
    public RegistryCredentials credentials() { return credentials; }
    /**
     * The registry the credentials belong to: that of the first tag ({@code docker.io} for a tag without one), which
     * every tag must share, so credentials never go to a host they were not given for. Null without credentials.
     */
    public String registry() { return registry; }

    /** The registry host of a tag as Docker resolves it; host names compare without case. */
    static String registryOf(String tag) {
        String host = ImageReference.parse(tag).registryHost().toLowerCase(java.util.Locale.ROOT);
        return host.equals("index.docker.io") ? "docker.io" : host;
    }
    /** How many times a transient failure (5xx, connection reset) is retried; never for refused credentials. */
    public int retries() { return retries; }
    public Duration initialBackoff() { return initialBackoff; }
    /**
     * How long the push of one tag may take in all, retries and backoff included. When it is over, the push is
     * stopped on the daemon and a {@link RegistryTimeoutException} says so.
     */
    public Duration timeout() { return timeout; }

    /** The longest push timeout taken: a week (longer ones would only overflow the deadline's arithmetic). */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(7);

    public static final class Builder {
        private final List<String> tags = new ArrayList<>();
        private RegistryCredentials credentials;
        private int retries = 3;
        private Duration initialBackoff = Duration.ofSeconds(1);
        /** As long as the daemon connection may stay silent on a stream: a registry that hangs does not hang a job. */
        private Duration timeout = Duration.ofMinutes(30);

        private Builder() {}

        public Builder tag(String reference) {
            ImageReference ref = ImageReference.parse(reference);
            if (ref.digest() != null) {
                throw new IllegalArgumentException("Tag '" + reference
                        + "' carries a digest: push a name[:tag] reference; the digest is what the push returns.");
            }
            tags.add(reference);
            return this;
        }

        public Builder credentials(RegistryCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        public Builder retries(int retries) {
            if (retries < 0 || retries > 20) {
                throw new IllegalArgumentException("retries is " + retries + ": use a number from 0 to 20.");
            }
            this.retries = retries;
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The push timeout is " + timeout + ": give a positive duration.");
            }
            if (timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("The push timeout is " + timeout + ": give at most "
                        + MAX_TIMEOUT.toHours() + " hours.");
            }
            this.timeout = timeout;
            return this;
        }

        public PushRequest build() {
            return new PushRequest(this);
        }
    }
}
