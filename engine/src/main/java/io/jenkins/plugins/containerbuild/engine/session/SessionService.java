package io.jenkins.plugins.containerbuild.engine.session;

import java.io.IOException;
import java.util.List;

/**
 * One gRPC service a {@link BuildSession} offers the daemon (file sync, health, auth, secrets, SSH forwarding, file
 * send), as BuildKit keeps one provider per session service. Services are registered when the session opens; the
 * session advertises their methods to the daemon and hands each call to the service that named it, knowing none of
 * them.
 */
public interface SessionService {

    /** The full gRPC method names served, such as {@code /moby.filesync.v1.FileSync/DiffCopy}. */
    List<String> methods();

    /**
     * Serves one call to one of {@link #methods()}, on a thread of its own, and ends it with a status. An exception
     * ends the call with status UNKNOWN and its message: it must not carry anything secret.
     */
    void serve(Http2Stream call) throws IOException;

    /** A local failure that explains a failed build better than the daemon's echo of it; null when none. */
    default IOException failure() {
        return null;
    }

    /** The session has ended: forget what was held for it (secret bytes are overwritten). */
    default void close() {}
}
