package io.jenkins.plugins.containerbuild.engine.buildkit;

import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.MalformedProtobufException;
import static io.jenkins.plugins.containerbuild.engine.proto.ProtoReader.LENGTH_DELIMITED;
import static io.jenkins.plugins.containerbuild.engine.proto.ProtoReader.VARINT;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written decoder for the subset of {@code moby/buildkit/api/services/control/control.proto} used by
 * the progress stream. A known field number arriving with an unexpected wire type is skipped like an
 * unknown field, as protobuf parsers do.
 */
final class StatusResponseDecoder {
    private StatusResponseDecoder() {}

    static StatusResponse decode(byte[] bytes) throws MalformedProtobufException {
        if (bytes == null) {
            throw new MalformedProtobufException("no BuildKit status payload");
        }
        ProtoReader r = new ProtoReader(bytes);
        List<Vertex> vertexes = new ArrayList<>();
        List<VertexStatus> statuses = new ArrayList<>();
        List<VertexLog> logs = new ArrayList<>();
        List<VertexWarning> warnings = new ArrayList<>();
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case 1 << 3 | LENGTH_DELIMITED -> vertexes.add(vertex(r.readMessage()));
                case 2 << 3 | LENGTH_DELIMITED -> statuses.add(status(r.readMessage()));
                case 3 << 3 | LENGTH_DELIMITED -> logs.add(log(r.readMessage()));
                case 4 << 3 | LENGTH_DELIMITED -> warnings.add(warning(r.readMessage()));
                default -> r.skipField(tag);
            }
        }
        return new StatusResponse(vertexes, statuses, logs, warnings);
    }

    private static Vertex vertex(ProtoReader r) throws MalformedProtobufException {
        String digest = "";
        List<String> inputs = new ArrayList<>();
        String name = "";
        boolean cached = false;
        Instant started = null;
        Instant completed = null;
        String error = "";
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case 1 << 3 | LENGTH_DELIMITED -> digest = r.readString();
                case 2 << 3 | LENGTH_DELIMITED -> inputs.add(r.readString());
                case 3 << 3 | LENGTH_DELIMITED -> name = r.readString();
                case 4 << 3 | VARINT -> cached = r.readVarint() != 0;
                case 5 << 3 | LENGTH_DELIMITED -> started = r.readTimestamp();
                case 6 << 3 | LENGTH_DELIMITED -> completed = r.readTimestamp();
                case 7 << 3 | LENGTH_DELIMITED -> error = r.readString();
                default -> r.skipField(tag);
            }
        }
        return new Vertex(digest, inputs, name, cached, started, completed, error);
    }

    private static VertexStatus status(ProtoReader r) throws MalformedProtobufException {
        String id = "";
        String vertex = "";
        String name = "";
        long current = 0;
        long total = 0;
        Instant timestamp = null;
        Instant started = null;
        Instant completed = null;
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case 1 << 3 | LENGTH_DELIMITED -> id = r.readString();
                case 2 << 3 | LENGTH_DELIMITED -> vertex = r.readString();
                case 3 << 3 | LENGTH_DELIMITED -> name = r.readString();
                case 4 << 3 | VARINT -> current = r.readVarint();
                case 5 << 3 | VARINT -> total = r.readVarint();
                case 6 << 3 | LENGTH_DELIMITED -> timestamp = r.readTimestamp();
                case 7 << 3 | LENGTH_DELIMITED -> started = r.readTimestamp();
                case 8 << 3 | LENGTH_DELIMITED -> completed = r.readTimestamp();
                default -> r.skipField(tag);
            }
        }
        return new VertexStatus(id, vertex, name, current, total, timestamp, started, completed);
    }

    private static VertexLog log(ProtoReader r) throws MalformedProtobufException {
        String vertex = "";
        Instant timestamp = null;
        long stream = 0;
        byte[] msg = new byte[0];
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case 1 << 3 | LENGTH_DELIMITED -> vertex = r.readString();
                case 2 << 3 | LENGTH_DELIMITED -> timestamp = r.readTimestamp();
                case 3 << 3 | VARINT -> stream = r.readVarint();
                case 4 << 3 | LENGTH_DELIMITED -> msg = r.readBytes();
                default -> r.skipField(tag);
            }
        }
        return new VertexLog(vertex, timestamp, stream, msg);
    }

    private static VertexWarning warning(ProtoReader r) throws MalformedProtobufException {
        String vertex = "";
        long level = 0;
        String shortMessage = "";
        List<String> detail = new ArrayList<>();
        String url = "";
        while (r.hasRemaining()) {
            int tag = r.readTag();
            switch (tag) {
                case 1 << 3 | LENGTH_DELIMITED -> vertex = r.readString();
                case 2 << 3 | VARINT -> level = r.readVarint();
                case 3 << 3 | LENGTH_DELIMITED -> shortMessage = VertexWarning.text(r.readBytes());
                case 4 << 3 | LENGTH_DELIMITED -> detail.add(VertexWarning.text(r.readBytes()));
                case 5 << 3 | LENGTH_DELIMITED -> url = r.readString();
                default -> r.skipField(tag);
            }
        }
        return new VertexWarning(vertex, level, shortMessage, detail, url);
    }
}
