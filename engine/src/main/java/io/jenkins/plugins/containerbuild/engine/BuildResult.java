package io.jenkins.plugins.containerbuild.engine;

import java.time.Duration;
import java.util.List;

/**
 * What a build produced: the image id the daemon reported, the tags it was given, its size, its layer history
 * (oldest first), how long it took and how many steps came from the cache.
 */
public record BuildResult(String imageId, List<String> tags, long size, List<Layer> layers, Duration duration,
                          int cachedSteps) {

    public BuildResult {
        tags = List.copyOf(tags);
        layers = List.copyOf(layers);
    }

    /** One entry of the image history: the instruction that made it and the bytes it added. */
    public record Layer(String createdBy, long size) {}
}
