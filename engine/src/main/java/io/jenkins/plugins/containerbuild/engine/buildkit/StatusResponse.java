package io.jenkins.plugins.containerbuild.engine.buildkit;

import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import java.util.Base64;
import java.util.List;

/**
 * One BuildKit progress message ({@code moby.buildkit.v1.StatusResponse}) as carried base64-encoded in the
 * {@code aux} field of {@code {"id":"moby.buildkit.trace",...}} lines of {@code POST /build?version=2}.
 */
public record StatusResponse(List<Vertex> vertexes, List<VertexStatus> statuses, List<VertexLog> logs,
        List<VertexWarning> warnings) {
    public StatusResponse {
        vertexes = vertexes == null ? List.of() : List.copyOf(vertexes);
        statuses = statuses == null ? List.of() : List.copyOf(statuses);
        logs = logs == null ? List.of() : List.copyOf(logs);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** Decodes protobuf wire-format bytes. */
    public static StatusResponse parse(byte[] protobuf) throws MalformedProtobufException {
        return StatusResponseDecoder.decode(protobuf);
    }

    /** Decodes the base64 {@code aux} value of a {@code moby.buildkit.trace} line. */
    public static StatusResponse parseBase64(String aux) throws MalformedProtobufException {
        if (aux == null) {
            throw new MalformedProtobufException("BuildKit trace has no aux payload");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(aux.strip());
        } catch (IllegalArgumentException e) {
            throw new MalformedProtobufException("BuildKit trace aux payload is not valid base64: " + e.getMessage(), e);
        }
        return parse(bytes);
    }
}
