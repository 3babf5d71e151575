package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.context.BuildContext;
import io.jenkins.plugins.containerbuild.engine.daemon.SelfWritingBody;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * The context tar as the body of {@code POST /build}, counting the bytes sent and reporting them every {@link #STEP}
 * bytes and at the end, so that a long upload shows in the console while it happens. The plain transport has the tar
 * written straight into the request ({@link #writeTo}); another transport reads it, and only then is the tar made on
 * a thread of its own ({@link BuildContext#openStream}).
 */
final class ContextUploadProgress extends SelfWritingBody {

    static final long STEP = 16L * 1024 * 1024;

    /** The subject of its progress events. */
    static final String SUBJECT = "build context";

    /** Writes the whole tar. */
    @FunctionalInterface
    interface TarWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private final Supplier<InputStream> stream;
    private final TarWriter writer;
    private final EventSink events;
    private InputStream opened; // when read as a stream, guarded by this
    private boolean inputClosed; // guarded by this
    private volatile long sent;
    private long nextReport = STEP;
    private boolean done;

    ContextUploadProgress(BuildContext context, EventSink events) {
        this(context::openStream, context::writeTo, events);
    }

    /** {@code stream} and {@code writer} give the same bytes: the first is used to read them, the second to write. */
    ContextUploadProgress(Supplier<InputStream> stream, TarWriter writer, EventSink events) {
        this.stream = stream;
        this.writer = writer;
        this.events = events;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        writer.writeTo(new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                count(1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                count(len);
            }
        });
        count(-1);
    }

    @Override
    public int read() throws IOException {
        int b = input().read();
        count(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = input().read(buf, off, len);
        count(n);
        return n;
    }

    private synchronized InputStream input() throws IOException {
        if (inputClosed) {
            throw new IOException("The build context stream is closed.");
        }
        if (opened == null) {
            opened = stream.get();
        }
        return opened;
    }

    @Override
    protected void closeInput() throws IOException {
        InputStream in;
        synchronized (this) {
            inputClosed = true;
            in = opened;
        }
        if (in != null) {
            in.close();
        }
    }

    private void count(int n) {
        if (n < 0) {
            if (!done) {
                done = true;
                events.accept(new EngineEvent.Progress(SUBJECT, "Sent", sent, sent));
            }
            return;
        }
        long now = sent + n;
        sent = now;
        if (now >= nextReport) {
            nextReport = now + STEP;
            events.accept(new EngineEvent.Progress(SUBJECT, "Sending", now, 0));
        }
    }

    /** Bytes sent so far: what the daemon was sent. */
    long sent() {
        return sent;
    }
}
