package io.jenkins.plugins.containerbuild;

import hudson.Util;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Normalises list and map arguments as Pipeline passes them: entries may be GStrings or numbers, so they are
 * turned into strings here; blank entries are dropped; image references are checked now, so a typo fails when the
 * step is read rather than on the agent.
 */
final class StepArguments {

    private StepArguments() {}

    static List<String> strings(List<?> values) {
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (Object v : values) {
                String s = v == null ? null : Util.fixEmptyAndTrim(String.valueOf(v));
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Image references, checked against the reference grammar. */
    static List<String> references(List<?> values) {
        List<String> refs = strings(values);
        refs.forEach(ImageReference::parse);
        return refs;
    }

    /** Keys and values as strings, in the order given. */
    static Map<String, String> stringMap(Map<?, ?> values) {
        Map<String, String> out = new LinkedHashMap<>();
        if (values != null) {
            for (Map.Entry<?, ?> e : values.entrySet()) {
                out.put(String.valueOf(e.getKey()), e.getValue() == null ? "" : String.valueOf(e.getValue()));
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
