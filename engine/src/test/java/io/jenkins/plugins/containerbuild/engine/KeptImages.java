package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One small image per lab daemon, built on first use and tagged {@code keep} so that push tests can add and
 * remove tags of their own; {@link #removeAll()} (from an {@code @AfterAll}) removes each.
 */
final class KeptImages {

    private final String keep;
    private final Map<Lab.Daemon, String> ids = new ConcurrentHashMap<>();

    KeptImages(String keep) {
        this.keep = keep;
    }

    /** The id of the kept image on {@code daemon}. */
    synchronized String on(Lab.Daemon daemon) throws Exception {
        String id = ids.get(daemon);
        if (id == null) {
            Path dir = Files.createTempDirectory("cb-kept-image");
            try {
                id = LabSupport.buildKeptImage(daemon, dir, keep);
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> {
                        try {
                            Files.delete(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
            ids.put(daemon, id);
        }
        return id;
    }

    void removeAll() {
        ids.forEach((daemon, id) -> LabSupport.removeImages(daemon, keep, id));
    }
}
