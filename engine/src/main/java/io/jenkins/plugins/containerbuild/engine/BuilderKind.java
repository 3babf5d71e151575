package io.jenkins.plugins.containerbuild.engine;

import java.util.Locale;

/** Which of the daemon's builders runs the Dockerfile. */
public enum BuilderKind {
    /** The legacy builder, API {@code version=1}. */
    CLASSIC("1"),
    /** BuildKit inside the daemon, API {@code version=2}, fed with a tar upload. */
    BUILDKIT("2");

    private final String apiVersion;

    BuilderKind(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    /** The value of the build endpoint's {@code version} parameter. */
    String apiVersion() {
        return apiVersion;
    }

    /** Parses {@code classic} or {@code buildkit}, in any case. */
    public static BuilderKind parse(String name) {
        for (BuilderKind k : values()) {
            if (k.name().equalsIgnoreCase(name.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "Unknown builder '" + name + "': use 'buildkit' (the default) or 'classic'.");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
