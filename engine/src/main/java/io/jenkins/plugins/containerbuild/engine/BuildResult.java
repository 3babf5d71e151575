package io.jenkins.plugins.containerbuild.engine;

import java.time.Duration;
import java.util.List;

/**
 * What a build produced: the image id the daemon reported, the tags it was given, its size, its layer history
 * (oldest first), how long it took, how many steps came from the cache, and the output it was exported to.
 *
 * <p>A build with an {@link BuildRequest#output() output} exports files instead of making an image: then
 * {@code imageId} is null, {@code tags} and {@code layers} are empty and {@code size} is 0, and {@code output} says
 * where the files are. Without an output, {@code imageId} is set and {@code output} is null.
 */
public record BuildResult(String imageId, List<String> tags, long size, List<Layer> layers, Duration duration,
                          int cachedSteps, BuildOutput output) {

    public BuildResult {
        tags = List.copyOf(tags);
        layers = List.copyOf(layers);
        if (imageId == null && output == null) {
            throw new IllegalArgumentException("A build result needs an image id or an output.");
        }
    }

    /** One entry of the image history: the instruction that made it and the bytes it added. */
    public record Layer(String createdBy, long size) {}
}
