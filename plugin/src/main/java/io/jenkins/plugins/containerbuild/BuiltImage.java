package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jenkinsci.plugins.scriptsecurity.sandbox.whitelists.Whitelisted;

/**
 * What {@code containerBuild} returns: the image id, the tags it was given and its size in bytes. Its string form
 * is the image id, so {@code "${img}"} works in a script; pass the object itself to {@code containerPush(image: img)}.
 * Its getters are whitelisted, so sandboxed scripts (every Jenkinsfile from SCM) may read {@code img.imageId}.
 */
public final class BuiltImage implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String imageId;
    private final ArrayList<String> tags;
    private final long size;

    /** @param imageId null when the build only exported files ({@code output} without {@code tags}) */
    public BuiltImage(String imageId, List<String> tags, long size) {
        this.imageId = imageId;
        this.tags = new ArrayList<>(tags);
        this.size = size;
    }

    /** The image id, {@code sha256:...}; null when the build only exported files (an output and no tags). */
    @Whitelisted
    public String getImageId() {
        return imageId;
    }

    /** The tags the image was built with, in the order given. */
    @Whitelisted
    public List<String> getTags() {
        return Collections.unmodifiableList(tags);
    }

    /** The image size in bytes, as the daemon reports it. */
    @Whitelisted
    public long getSize() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BuiltImage other && Objects.equals(imageId, other.imageId) && tags.equals(other.tags)
                && size == other.size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageId, tags, size);
    }

    /** The image id; empty when the build made no image (it only exported files). */
    @Override
    @Whitelisted
    public String toString() {
        return imageId == null ? "" : imageId;
    }
}
