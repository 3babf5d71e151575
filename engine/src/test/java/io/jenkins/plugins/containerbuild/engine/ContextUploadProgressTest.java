package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ContextUploadProgressTest {

    @Test
    void reportsEverySixteenMegabytesAndOnceAtTheEnd() throws Exception {
        RecordingSink events = new RecordingSink();
        int size = (int) (ContextUploadProgress.STEP * 2 + 5);
        try (InputStream in = new ContextUploadProgress(new ByteArrayInputStream(new byte[size]), events)) {
            assertThat(in.transferTo(java.io.OutputStream.nullOutputStream())).isEqualTo(size);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(events.events).filteredOn(e -> ((EngineEvent.Progress) e).status().equals("Sending")).hasSize(2);
        assertThat(events.events).last().isEqualTo(new EngineEvent.Progress("build context", "Sent", size, size));
    }
}
