package io.jenkins.plugins.containerbuild;

import hudson.model.TaskListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A build log for tests that survives serialization like the remoted listener does: the copy that travels with a
 * callable writes into the same buffer as the original.
 */
final class CapturingListener implements TaskListener {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final Map<String, ByteArrayOutputStream> LOGS = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private transient PrintStream logger;

    CapturingListener() {
        LOGS.put(id, new ByteArrayOutputStream());
    }

    @Override
    public synchronized PrintStream getLogger() {
        if (logger == null) {
            logger = new PrintStream(LOGS.get(id), true, StandardCharsets.UTF_8);
        }
        return logger;
    }

    String log() {
        ByteArrayOutputStream b = LOGS.get(id);
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }
}
