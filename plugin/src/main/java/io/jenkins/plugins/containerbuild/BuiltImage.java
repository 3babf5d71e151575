package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What {@code containerBuild} returns: the image id, the tags it was given and its size in bytes. Its string form
 * is the image id, so {@code "${img}"} works in a script; pass the object itself to {@code containerPush(image: img)}.
 */
public final class BuiltImage implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String imageId;
    private final ArrayList<String> tags;
    private final long size;

    public BuiltImage(String imageId, List<String> tags, long size) {
        this.imageId = Objects.requireNonNull(imageId, "imageId");
        this.tags = new ArrayList<>(tags);
        this.size = size;
    }

    /** The image id, {@code sha256:...}. */
    public String getImageId() {
        return imageId;
    }

    /** The tags the image was built with, in the order given. */
    public List<String> getTags() {
        return Collections.unmodifiableList(tags);
    }

    /** The image size in bytes, as the daemon reports it. */
    public long getSize() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BuiltImage other && imageId.equals(other.imageId) && tags.equals(other.tags)
                && size == other.size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageId, tags, size);
    }

    /** The image id. */
    @Override
    public String toString() {
        return imageId;
    }
}
