package io.jenkins.plugins.containerbuild.engine.buildkit;

import java.time.Instant;

/** Progress of a sub-task of a vertex, e.g. a layer download ({@code moby.buildkit.v1.VertexStatus}). */
public record VertexStatus(String id, String vertex, String name, long current, long total, Instant timestamp,
        Instant started, Instant completed) {
    public VertexStatus {
        id = id == null ? "" : id;
        vertex = vertex == null ? "" : vertex;
        name = name == null ? "" : name;
    }
}
