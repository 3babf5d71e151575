package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * One entry of a map argument ({@code buildArgs}, {@code labels}) in a form structs can describe: structs has no
 * parameter type for a {@code Map} (the Steps Reference would say "do not know how to categorize"), but describes
 * a list of these. A Jenkinsfile still writes the map ({@code buildArgs: [VERSION: '1.4']}): the step's descriptor
 * turns it into entries and back. The value is kept as written (it may begin or end with spaces).
 */
public final class NameValue implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String value;

    /** @param value null is the empty string */
    @DataBoundConstructor
    public NameValue(String name, String value) {
        this.name = name == null ? null : name.strip();
        this.value = value == null ? "" : value;
    }

    /** The build argument's or label's name. */
    public String getName() {
        return name;
    }

    public String getValue() {
        return value;
    }

    /** The entries of a map, in its order; keys and values as strings (Pipeline may pass GStrings or numbers). */
    static List<NameValue> listOf(Map<?, ?> map) {
        List<NameValue> out = new ArrayList<>();
        if (map != null) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.add(new NameValue(String.valueOf(e.getKey()),
                        e.getValue() == null ? "" : String.valueOf(e.getValue())));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The entries as a map, in their order (a later entry of the same name wins; the step's check refuses that). */
    static Map<String, String> mapOf(List<NameValue> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (NameValue e : entries) {
            out.put(e.getName(), e.getValue());
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NameValue n && Objects.equals(name, n.name) && value.equals(n.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, value);
    }

    @Override
    public String toString() {
        return name + "=" + value;
    }
}
