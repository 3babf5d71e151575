package io.jenkins.plugins.containerbuild;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bounds on what an agent sends back, applied on the controller before anything is stored in the build: an agent
 * (or what runs on it) must not be able to fill {@code build.xml} and the build page with an endless layer list,
 * endless text or digests for tags nobody pushed.
 */
final class AgentReplies {

    /** Docker's overlay storage stops at 128 layers; the history may hold as many empty entries again. */
    static final int MAX_LAYERS = 512;
    /** As the engine cuts them. */
    static final int MAX_CREATED_BY = 2048;
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,128}");

    private AgentReplies() {}

    /** The outcome with at most {@link #MAX_LAYERS} layers (the newest are kept), each text cut. */
    static BuildOutcome bounded(BuildOutcome outcome) {
        List<ImageLayer> layers = outcome.layers();
        List<ImageLayer> kept = new ArrayList<>();
        for (ImageLayer l : layers.subList(Math.max(0, layers.size() - MAX_LAYERS), layers.size())) {
            String text = l.getCreatedBy();
            kept.add(text.length() <= MAX_CREATED_BY ? l
                    : new ImageLayer(text.substring(0, MAX_CREATED_BY - 3) + "...", l.getSize()));
        }
        return new BuildOutcome(outcome.image(), kept);
    }

    /** Only digests for the tags that were pushed, and only values that are digests. */
    static LinkedHashMap<String, String> bounded(Map<String, String> digests, List<String> pushed) {
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        for (String tag : pushed) {
            String d = digests.get(tag);
            if (d != null && d.length() <= 140 && DIGEST.matcher(d).matches()) {
                out.put(tag, d);
            }
        }
        return out;
    }
}
