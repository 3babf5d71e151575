package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;
import org.kohsuke.stapler.export.Exported;
import org.kohsuke.stapler.export.ExportedBean;

/** One layer of a built image's history: the instruction that made it and the bytes it added. */
@ExportedBean(defaultVisibility = 2)
public final class ImageLayer implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String createdBy;
    private final long size;

    public ImageLayer(String createdBy, long size) {
        this.createdBy = createdBy == null ? "" : createdBy;
        this.size = size;
    }

    /** The instruction as the daemon records it, such as {@code RUN /bin/sh -c make}. */
    @Exported
    public String getCreatedBy() {
        return createdBy;
    }

    /** Bytes this layer adds. */
    @Exported
    public long getSize() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageLayer other && createdBy.equals(other.createdBy) && size == other.size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(createdBy, size);
    }

    @Override
    public String toString() {
        return size + " " + createdBy;
    }
}
