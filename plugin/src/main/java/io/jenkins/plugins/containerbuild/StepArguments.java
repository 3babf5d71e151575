package io.jenkins.plugins.containerbuild;

import hudson.Util;
import hudson.model.Descriptor.FormException;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

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
        checkReferences(refs);
        return refs;
    }

    /** Checks what {@link #strings} made against the reference grammar (uses nothing of Jenkins: any thread). */
    static void checkReferences(List<String> refs) {
        refs.forEach(ImageReference::parse);
    }

    /** The entries of a map argument as given, without nulls. */
    static List<NameValue> entries(List<NameValue> values) {
        List<NameValue> out = new ArrayList<>();
        if (values != null) {
            for (NameValue v : values) {
                if (v != null) {
                    out.add(v);
                }
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Every entry of a map argument has a name, and no name comes twice. */
    static void checkEntries(String field, List<NameValue> entries) throws InvalidValueException {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (NameValue e : entries) {
            if (e.getName() == null || e.getName().isEmpty()) {
                throw new InvalidValueException(field, Messages.StepArguments_NoName(field));
            }
            if (!names.add(e.getName())) {
                throw new InvalidValueException(field, Messages.StepArguments_Twice(field, e.getName()));
            }
        }
    }

    /** The non-blank lines of a form's text area, trimmed; none for null. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String l : text.split("\\r?\\n")) {
                if (!l.isBlank()) {
                    out.add(l.trim());
                }
            }
        }
        return out;
    }

    /**
     * {@code NAME=VALUE} lines of a form's text area: the name is trimmed, the value is kept as written (only a
     * line's ending is dropped), so values may begin or end with spaces.
     */
    static Map<String, String> pairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text != null) {
            for (String line : text.split("\\r?\\n")) {
                if (line.isBlank()) {
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq < 0 || line.substring(0, eq).isBlank()) {
                    throw new IllegalArgumentException(Messages.ContainerBuildBuilder_BadPair(line.trim()));
                }
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** The text a form shows for a list: one entry per line. */
    static String linesOf(List<String> values) {
        return values == null ? "" : String.join("\n", values);
    }

    /** The text a form shows for a map argument: one {@code NAME=VALUE} per line. */
    static String pairsOf(List<NameValue> values) {
        StringBuilder b = new StringBuilder();
        if (values != null) {
            for (NameValue e : values) {
                b.append(b.length() == 0 ? "" : "\n").append(e.getName()).append('=').append(e.getValue());
            }
        }
        return b.toString();
    }

    /**
     * Applies the text area that stands for a list or map argument in a form (Pipeline's Snippet Generator and
     * the step's form have no widget for those): the area is named {@code _.FIELDText}, {@code form} reads the
     * submitted value. Bad content becomes a form error on the field.
     */
    static void fromTextArea(Function<String, String> form, String field, Consumer<String> setter)
            throws FormException {
        try {
            setter.accept(form.apply(field + TEXT_AREA_SUFFIX));
        } catch (IllegalArgumentException e) {
            throw new FormException(e.getMessage(), field);
        }
    }

    static final String TEXT_AREA_SUFFIX = "Text";
}
