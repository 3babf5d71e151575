package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;

/**
 * Explicit time limits for talking to a daemon: connecting, a short request (ping, inspect, tag), and the
 * silence allowed on a long stream (a build step may print nothing for a while).
 */
public record Timeouts(Duration connect, Duration request, Duration streamIdle) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    public static Timeouts defaults() {
        return new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(30));
    }
}
