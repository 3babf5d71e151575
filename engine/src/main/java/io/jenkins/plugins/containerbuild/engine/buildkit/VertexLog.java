package io.jenkins.plugins.containerbuild.engine.buildkit;

import java.time.Instant;
import java.util.Arrays;

/**
 * A chunk of output of a vertex ({@code moby.buildkit.v1.VertexLog}). Chunks may split lines and even
 * multi-byte characters; {@code stream} is 1 for stdout and 2 for stderr.
 */
public record VertexLog(String vertex, Instant timestamp, long stream, byte[] msg) {
    public VertexLog {
        vertex = vertex == null ? "" : vertex;
        msg = msg == null ? new byte[0] : msg.clone();
    }

    /** Returns a copy of the raw bytes. */
    @Override
    public byte[] msg() {
        return msg.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VertexLog other && vertex.equals(other.vertex)
                && java.util.Objects.equals(timestamp, other.timestamp) && stream == other.stream
                && Arrays.equals(msg, other.msg);
    }

    @Override
    public int hashCode() {
        return (vertex.hashCode() * 31 + Long.hashCode(stream)) * 31 + Arrays.hashCode(msg);
    }

    @Override
    public String toString() {
        return "VertexLog[vertex=" + vertex + ", timestamp=" + timestamp + ", stream=" + stream + ", msg="
                + msg.length + " bytes]";
    }
}
