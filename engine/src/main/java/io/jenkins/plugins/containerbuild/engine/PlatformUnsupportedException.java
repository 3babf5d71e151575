package io.jenkins.plugins.containerbuild.engine;

import java.util.List;

/**
 * A build step could not run its program because the daemon cannot execute binaries of the platform built for
 * ({@code exec format error}): the daemon's host has no emulation for it.
 */
public class PlatformUnsupportedException extends BuildFailedException {

    private static final long serialVersionUID = 1L;

    private final String platform;

    public PlatformUnsupportedException(String message, String step, List<String> lastLines, String platform) {
        super(step, lastLines, message);
        this.platform = platform;
    }

    /** The platform asked for; null when the build named none (a base image of another platform). */
    public String platform() {
        return platform;
    }
}
