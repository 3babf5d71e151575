package io.jenkins.plugins.containerbuild.engine.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A request body that is produced while it is sent (a build context tar) and can write itself into the request.
 * The plain transport (unix socket, {@code tcp://}) hands {@link #writeTo} the request's own output stream: the body
 * is written there in the producer's large pieces, on the thread that sends the request, with no copy through a
 * pipe. A transport that does not know this type reads it as an {@link InputStream} instead.
 * <p>
 * Closing the body while the plain transport sends it aborts the request, which closes the connection: a write
 * blocked on a slow daemon fails at once, and the daemon cancels its side.
 */
public abstract class SelfWritingBody extends InputStream {

    private Runnable abortRequest; // guarded by this
    private boolean closed; // guarded by this

    /** Writes the whole body to the request's stream, without closing it. Called at most once. */
    public abstract void writeTo(OutputStream out) throws IOException;

    /** Releases what reading the body as an {@link InputStream} opened, if anything. */
    protected abstract void closeInput() throws IOException;

    /** Called by the transport that sends the body through {@link #writeTo}: closing the body runs this. */
    final void abortRequestOnClose(Runnable abort) {
        boolean alreadyClosed;
        synchronized (this) {
            abortRequest = abort;
            alreadyClosed = closed;
        }
        if (alreadyClosed) {
            abort.run();
        }
    }

    /** Aborts the request that sends the body, if one does, and releases the stream read from it. */
    @Override
    public final void close() throws IOException {
        Runnable abort;
        synchronized (this) {
            closed = true;
            abort = abortRequest;
        }
        if (abort != null) {
            abort.run();
        }
        closeInput();
    }
}
