package io.jenkins.plugins.containerbuild.engine;

import java.util.List;

/**
 * What {@link ContainerEngine#untag} did with one tag: removed it (and the image, when nothing else held it), or kept
 * it and why. Never carries anything secret.
 *
 * @param tag          the tag asked for
 * @param imageId      the image it named; null when the tag was not on the daemon
 * @param outcome      what happened
 * @param otherTags    the image's other tags, which keep it ({@link Outcome#UNTAGGED})
 * @param reason       the daemon's words, for {@link Outcome#IN_USE}; null otherwise
 */
public record TagRemoval(String tag, String imageId, Outcome outcome, List<String> otherTags, String reason) {

    public TagRemoval {
        otherTags = List.copyOf(otherTags);
    }

    /** The ways a removal ends. */
    public enum Outcome {
        /** The tag and its image are gone (with the image's untagged parent layers that nothing else needs). */
        DELETED,
        /** The tag is gone; the image stays for its other tags. */
        UNTAGGED,
        /** The tag is gone; the image stays because other images are built on it (the classic builder's parents). */
        KEPT_AS_PARENT,
        /** Nothing was removed: a container (running or stopped) uses the image. */
        IN_USE,
        /** The tag was not on the daemon. */
        MISSING
    }
}
