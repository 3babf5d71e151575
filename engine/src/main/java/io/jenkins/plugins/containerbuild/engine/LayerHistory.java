package io.jenkins.plugins.containerbuild.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What a layer's {@code CreatedBy} may say once it leaves the engine. Docker records the build args a {@code RUN}
 * step sees in plain text ({@code RUN |1 TOKEN=value /bin/sh -c ...}), and an {@code ENV X=$TOKEN} shows the value
 * expanded; build results end up on build pages anyone with read access sees. So the values of the request's build
 * args are masked, and the text is capped. Anything secret belongs in a build secret ({@code secrets:}), which never
 * reaches the history at all.
 */
final class LayerHistory {

    /** Longer texts are cut: a layer's command is shown as a label, not as a script. */
    static final int MAX_CREATED_BY = 2048;
    static final String MASK = "****";
    /**
     * A value this short is masked only where it follows its name ({@code NAME=v}); masking every {@code 1} or
     * {@code on} in the text would say nothing and garble it.
     */
    private static final int MIN_MASKED_ANYWHERE = 4;

    private LayerHistory() {}

    static String mask(String createdBy, Map<String, String> buildArgs) {
        String out = createdBy;
        for (Map.Entry<String, String> arg : buildArgs.entrySet()) {
            if (!arg.getValue().isEmpty()) {
                out = out.replace(arg.getKey() + "=" + arg.getValue(), arg.getKey() + "=" + MASK);
            }
        }
        List<String> values = new ArrayList<>();
        for (String v : buildArgs.values()) {
            if (v.length() >= MIN_MASKED_ANYWHERE) {
                values.add(v);
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed()); // a value inside another goes last
        for (String v : values) {
            out = out.replace(v, MASK);
        }
        if (out.length() > MAX_CREATED_BY) {
            out = out.substring(0, MAX_CREATED_BY - 3) + "...";
        }
        return out;
    }
}
