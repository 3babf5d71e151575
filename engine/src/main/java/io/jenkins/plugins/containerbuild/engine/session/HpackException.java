package io.jenkins.plugins.containerbuild.engine.session;

import java.io.IOException;

/**
 * A header block that is not valid HPACK (RFC 7541): truncated, a bad index, bad Huffman data, a table size
 * above the limit. HTTP/2 treats it as a connection error of type COMPRESSION_ERROR (RFC 7540 Section 4.3).
 */
public final class HpackException extends IOException {
    private static final long serialVersionUID = 1L;

    HpackException(String message) {
        super(message);
    }
}
