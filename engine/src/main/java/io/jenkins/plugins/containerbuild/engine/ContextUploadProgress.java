package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the context bytes the HTTP client takes from the tar stream and reports them every {@link #STEP} bytes
 * and at the end, so that a long upload shows in the console while it happens.
 */
final class ContextUploadProgress extends FilterInputStream {

    static final long STEP = 16L * 1024 * 1024;

    /** The subject of its progress events. */
    static final String SUBJECT = "build context";

    private final EventSink events;
    private long sent;
    private long nextReport = STEP;
    private boolean done;

    ContextUploadProgress(InputStream tar, EventSink events) {
        super(tar);
        this.events = events;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        count(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        count(n);
        return n;
    }

    private void count(int n) {
        if (n < 0) {
            if (!done) {
                done = true;
                events.accept(new EngineEvent.Progress(SUBJECT, "Sent", sent, sent));
            }
            return;
        }
        sent += n;
        if (sent >= nextReport) {
            nextReport = sent + STEP;
            events.accept(new EngineEvent.Progress(SUBJECT, "Sending", sent, 0));
        }
    }

    /** Bytes read through so far: what the daemon was sent. */
    long sent() {
        return sent;
    }
}
