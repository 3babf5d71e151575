package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the agent side of a build sends back: the image (the step's return value) and its layer history (for the
 * build page only, so that the Pipeline's return value stays small).
 */
final class BuildOutcome implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final BuiltImage image;
    private final ArrayList<ImageLayer> layers;

    BuildOutcome(BuiltImage image, List<ImageLayer> layers) {
        this.image = image;
        this.layers = new ArrayList<>(layers);
    }

    BuiltImage image() {
        return image;
    }

    List<ImageLayer> layers() {
        return List.copyOf(layers);
    }
}
