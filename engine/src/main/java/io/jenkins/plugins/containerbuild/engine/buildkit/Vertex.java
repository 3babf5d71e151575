package io.jenkins.plugins.containerbuild.engine.buildkit;

import java.time.Instant;
import java.util.List;

/**
 * One node of the BuildKit build graph ({@code moby.buildkit.v1.Vertex}). The daemon re-sends the same
 * digest as its state changes. Strings are never null (empty when absent); timestamps are null when absent.
 */
public record Vertex(String digest, List<String> inputs, String name, boolean cached, Instant started,
        Instant completed, String error) {
    public Vertex {
        digest = digest == null ? "" : digest;
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        name = name == null ? "" : name;
        error = error == null ? "" : error;
    }

    public boolean failed() {
        return !error.isEmpty();
    }
}
