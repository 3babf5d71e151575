package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ContextUploadProgressTest {

    private static final int SIZE = (int) (ContextUploadProgress.STEP * 2 + 5);

    @Test
    void reportsEverySixteenMegabytesAndOnceAtTheEndWhenRead() throws Exception {
        RecordingSink events = new RecordingSink();
        byte[] tar = new byte[SIZE];
        try (InputStream in = new ContextUploadProgress(() -> new ByteArrayInputStream(tar), out -> {
            throw new AssertionError("read, not written");
        }, events)) {
            assertThat(in.transferTo(java.io.OutputStream.nullOutputStream())).isEqualTo(SIZE);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(events.events).filteredOn(e -> ((EngineEvent.Progress) e).status().equals("Sending")).hasSize(2);
        assertThat(events.events).last().isEqualTo(new EngineEvent.Progress("build context", "Sent", SIZE, SIZE));
    }

    @Test
    void reportsTheSameWhenWrittenAndOpensNoStream() throws Exception {
        RecordingSink events = new RecordingSink();
        byte[] tar = new byte[SIZE];
        ContextUploadProgress body = new ContextUploadProgress(() -> {
            throw new AssertionError("written, not read");
        }, out -> {
            for (int off = 0; off < tar.length; off += 64 * 1024) {
                out.write(tar, off, Math.min(64 * 1024, tar.length - off));
            }
        }, events);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        body.writeTo(sent);
        body.close();
        assertThat(sent.size()).isEqualTo(SIZE);
        assertThat(body.sent()).isEqualTo(SIZE);
        assertThat(events.events).filteredOn(e -> ((EngineEvent.Progress) e).status().equals("Sending")).hasSize(2);
        assertThat(events.events).last().isEqualTo(new EngineEvent.Progress("build context", "Sent", SIZE, SIZE));
    }

    @Test
    void aWriterFailureReportsNoEnd() {
        RecordingSink events = new RecordingSink();
        ContextUploadProgress body = new ContextUploadProgress(InputStream::nullInputStream, out -> {
            out.write(new byte[100]);
            throw new IOException("unreadable file");
        }, events);
        assertThatThrownBy(() -> body.writeTo(new ByteArrayOutputStream())).hasMessage("unreadable file");
        assertThat(body.sent()).isEqualTo(100);
        assertThat(events.events).isEmpty();
    }

    @Test
    void aClosedBodyCannotBeReadAnyMore() throws Exception {
        AtomicBoolean opened = new AtomicBoolean();
        ContextUploadProgress body = new ContextUploadProgress(() -> {
            opened.set(true);
            return InputStream.nullInputStream();
        }, out -> { }, new RecordingSink());
        body.close();
        assertThatThrownBy(body::read).isInstanceOf(IOException.class);
        assertThat(opened).isFalse();
    }
}
