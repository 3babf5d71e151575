package io.jenkins.plugins.containerbuild.engine.daemon;

/** A Docker API version such as {@code 1.41}, ordered numerically. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    public static ApiVersion parse(String s) {
        String[] parts = s.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("Not a Docker API version: '" + s + "'");
        }
        return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
