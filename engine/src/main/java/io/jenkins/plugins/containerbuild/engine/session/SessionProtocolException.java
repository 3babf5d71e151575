package io.jenkins.plugins.containerbuild.engine.session;

import java.io.IOException;

/**
 * The daemon broke the session's protocol (HTTP/2, HPACK or gRPC framing): it sent more than it was granted, a frame
 * larger than announced, a header block without end, a message longer than the limit. Not a lost connection, and
 * not something a retry fixes: whatever answers on the daemon's address does not play by the rules, so the session
 * ends and the build with it. The message says what the daemon did and names the HTTP/2 error code sent back.
 */
public final class SessionProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    static final int PROTOCOL_ERROR = 0x1;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int STREAM_CLOSED = 0x5;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int COMPRESSION_ERROR = 0x9;
    static final int ENHANCE_YOUR_CALM = 0xb;

    private final int errorCode;

    SessionProtocolException(int errorCode, String whatThePeerDid) {
        super(whatThePeerDid + " (HTTP/2 " + name(errorCode) + ")");
        this.errorCode = errorCode;
    }

    SessionProtocolException(int errorCode, String whatThePeerDid, Throwable cause) {
        this(errorCode, whatThePeerDid);
        initCause(cause);
    }

    /** The HTTP/2 error code (RFC 9113 Section 7) the GOAWAY or RST_STREAM carries. */
    int errorCode() {
        return errorCode;
    }

    static String name(int errorCode) {
        return switch (errorCode) {
            case PROTOCOL_ERROR -> "PROTOCOL_ERROR";
            case FLOW_CONTROL_ERROR -> "FLOW_CONTROL_ERROR";
            case STREAM_CLOSED -> "STREAM_CLOSED";
            case FRAME_SIZE_ERROR -> "FRAME_SIZE_ERROR";
            case REFUSED_STREAM -> "REFUSED_STREAM";
            case COMPRESSION_ERROR -> "COMPRESSION_ERROR";
            case ENHANCE_YOUR_CALM -> "ENHANCE_YOUR_CALM";
            default -> "error " + errorCode;
        };
    }
}
