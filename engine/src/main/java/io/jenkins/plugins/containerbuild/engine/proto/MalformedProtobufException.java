package io.jenkins.plugins.containerbuild.engine.proto;

import java.io.IOException;

/** Thrown when a BuildKit progress payload is not well-formed protobuf (truncated, bad lengths, groups, ...). */
public final class MalformedProtobufException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedProtobufException(String message) {
        super(message);
    }

    public MalformedProtobufException(String message, Throwable cause) {
        super(message, cause);
    }
}
