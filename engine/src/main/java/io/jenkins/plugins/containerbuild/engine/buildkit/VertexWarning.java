package io.jenkins.plugins.containerbuild.engine.buildkit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A build warning attached to a vertex ({@code moby.buildkit.v1.VertexWarning}); only the fields this
 * project uses are decoded (source info and ranges are skipped).
 */
public record VertexWarning(String vertex, long level, String shortMessage, List<String> detail, String url) {
    public VertexWarning {
        vertex = vertex == null ? "" : vertex;
        shortMessage = shortMessage == null ? "" : shortMessage;
        detail = detail == null ? List.of() : List.copyOf(detail);
        url = url == null ? "" : url;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
