package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InputStream} fed by a producer thread through a small bounded buffer: the producer blocks while the
 * buffer is full, so the data is produced only as fast as it is read and never held in memory as a whole. A failure
 * of the producer is rethrown to the reader; closing the stream early stops the producer, whose next write fails.
 */
final class TarPipe extends InputStream {

    /** Bytes buffered between the producer and the reader. */
    static final int CAPACITY = 64 * 1024;

    /**
     * A producer blocked on a full pipe resumes only when this much is free: the HTTP client reads in pieces of 4 KiB,
     * and waking the producer for each piece cost a thread hand-off per 4 KiB.
     */
    static final int RESUME_WHEN_FREE = CAPACITY / 2;

    private static final long JOIN_ON_CLOSE_MILLIS = 2_000;
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    /** Writes the whole stream. */
    @FunctionalInterface
    interface Producer {
        void writeTo(OutputStream out) throws IOException;
    }

    private final byte[] ring = new byte[CAPACITY];
    private final Thread thread;
    private int head; // next byte to read
    private int count; // bytes buffered
    private boolean producerDone;
    private boolean readerClosed;
    private Throwable failure;
    private int readersWaiting; // on an empty pipe
    private boolean producerWaiting; // on a full pipe

    private TarPipe(String threadNamePrefix, Producer producer) {
        this.thread = new Thread(() -> produce(producer), threadNamePrefix + "-" + THREAD_NUMBER.incrementAndGet());
        this.thread.setDaemon(true);
    }

    /** Starts a producer thread named after the prefix and returns the stream that yields what it writes. */
    static TarPipe start(String threadNamePrefix, Producer producer) {
        TarPipe pipe = new TarPipe(threadNamePrefix, producer);
        pipe.thread.start();
        return pipe;
    }

    /** The producer thread (for tests and diagnostics). */
    Thread producerThread() {
        return thread;
    }

    private void produce(Producer producer) {
        Throwable error = null;
        try (OutputStream sink = new Sink()) {
            producer.writeTo(sink);
        } catch (ReaderClosedException stopped) {
            // the reader does not want more: nothing to report
        } catch (Throwable t) {
            error = t;
        }
        synchronized (this) {
            producerDone = true;
            failure = error;
            notifyAll();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (readerClosed) {
            throw new IOException("The build context stream is closed.");
        }
        if (len == 0) {
            return 0;
        }
        while (count == 0) {
            if (producerDone) {
                if (failure != null) {
                    throw rethrown(failure);
                }
                return -1;
            }
            readersWaiting++;
            try {
                awaitChange();
            } finally {
                readersWaiting--;
            }
        }
        int n = Math.min(len, count);
        int first = Math.min(n, CAPACITY - head);
        System.arraycopy(ring, head, b, off, first);
        System.arraycopy(ring, 0, b, off + first, n - first);
        head = (head + n) % CAPACITY;
        count -= n;
        if (producerWaiting && CAPACITY - count >= RESUME_WHEN_FREE) {
            notifyAll();
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return count;
    }

    /** Stops the producer (its next write fails) and waits briefly for its thread to end. */
    @Override
    public void close() {
        synchronized (this) {
            if (readerClosed) {
                return;
            }
            readerClosed = true;
            count = 0;
            notifyAll();
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        thread.interrupt(); // also unblocks a producer waiting on slow I/O
        try {
            thread.join(JOIN_ON_CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitChange() throws InterruptedIOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting for the build context stream.");
        }
    }

    private static IOException rethrown(Throwable failure) {
        if (failure instanceof ContextException e) {
            return new ContextException(e.getMessage(), e);
        }
        return new IOException("Could not produce the build context: " + failure.getMessage(), failure);
    }

    private synchronized void put(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (count == CAPACITY) {
                producerWaiting = true;
                try {
                    while (CAPACITY - count < RESUME_WHEN_FREE && !readerClosed) {
                        awaitChange();
                    }
                } finally {
                    producerWaiting = false;
                }
            }
            if (readerClosed) {
                throw new ReaderClosedException();
            }
            int tail = (head + count) % CAPACITY;
            int n = Math.min(len, Math.min(CAPACITY - count, CAPACITY - tail));
            System.arraycopy(b, off, ring, tail, n);
            count += n;
            off += n;
            len -= n;
            if (readersWaiting > 0) {
                notifyAll();
            }
        }
    }

    /** The producer's end. */
    private final class Sink extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            put(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            put(b, off, len);
        }
    }

    /** Thrown to the producer when the reader has closed the stream. */
    private static final class ReaderClosedException extends IOException {
        private static final long serialVersionUID = 1L;

        ReaderClosedException() {
            super("The reader closed the build context stream.");
        }
    }
}
