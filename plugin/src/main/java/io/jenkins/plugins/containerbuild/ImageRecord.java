package io.jenkins.plugins.containerbuild;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kohsuke.stapler.export.Exported;
import org.kohsuke.stapler.export.ExportedBean;

/**
 * One image on the build page and in the build's remote API: what a build produced (id, tags, size, layers) and what
 * was pushed of it (digest by tag). A push of tags that no build of this run produced gets a record without an id.
 * Kept with the build (XStream), so its fields are plain; never changed once made (a push makes a new record), so
 * that saving the build can read it while other branches of the run record theirs.
 */
@ExportedBean(defaultVisibility = 2)
public final class ImageRecord {

    private final String imageId;
    private final List<String> tags;
    private final long size;
    private final List<ImageLayer> layers;
    private final Map<String, String> digests;

    ImageRecord(String imageId, List<String> tags, long size, List<ImageLayer> layers) {
        this(imageId, tags, size, layers, Map.of());
    }

    private ImageRecord(String imageId, List<String> tags, long size, List<ImageLayer> layers,
                        Map<String, String> digests) {
        this.imageId = imageId;
        this.tags = new ArrayList<>(tags);
        this.size = size;
        this.layers = new ArrayList<>(layers);
        this.digests = new LinkedHashMap<>(digests);
    }

    /** {@code sha256:...}; null for pushed tags of an image that this run did not build. */
    @Exported
    public String getImageId() {
        return imageId;
    }

    /** A short form of the id for the page: the first 12 hex digits. */
    public String getShortId() {
        if (imageId == null) {
            return "";
        }
        String hex = imageId.startsWith("sha256:") ? imageId.substring("sha256:".length()) : imageId;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    @Exported
    public List<String> getTags() {
        return Collections.unmodifiableList(tags);
    }

    /** Bytes, as the daemon reports them; 0 when not built in this run. */
    @Exported
    public long getSize() {
        return size;
    }

    public String getHumanSize() {
        return LayersSvg.humanSize(size);
    }

    @Exported(inline = true)
    public List<ImageLayer> getLayers() {
        return layers == null ? List.of() : Collections.unmodifiableList(layers);
    }

    /** The pushed tags with their manifest digests, in push order. */
    @Exported(inline = true)
    public List<PushedTag> getPushed() {
        List<PushedTag> out = new ArrayList<>();
        if (digests != null) {
            digests.forEach((tag, digest) -> out.add(new PushedTag(tag, digest)));
        }
        return out;
    }

    /** This record with more pushed tags (a tag pushed again gets its new digest). */
    ImageRecord withPushed(Map<String, String> tagDigests) {
        Map<String, String> all = new LinkedHashMap<>(digests == null ? Map.of() : digests);
        all.putAll(tagDigests);
        return new ImageRecord(imageId, tags, size, getLayers(), all);
    }

    /** The per-layer size chart; every text in it is escaped. */
    public String getLayersSvg() {
        return LayersSvg.render(getLayers());
    }

    /** A pushed tag and its digest. */
    @ExportedBean(defaultVisibility = 2)
    public static final class PushedTag {
        private final String tag;
        private final String digest;

        PushedTag(String tag, String digest) {
            this.tag = tag;
            this.digest = digest;
        }

        @Exported
        public String getTag() {
            return tag;
        }

        @Exported
        public String getDigest() {
            return digest;
        }
    }
}
