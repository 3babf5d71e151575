package io.jenkins.plugins.containerbuild.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a {@code --secret} or {@code --output} value into its comma-separated fields as the docker CLI and buildx
 * do: one CSV record, where a field in double quotes may hold commas and {@code ""} stands for one quote.
 */
final class CsvFields {

    private CsvFields() {}

    /**
     * The fields of {@code value}.
     *
     * @throws IllegalArgumentException when a quote is not closed or text follows a closing quote
     */
    static List<String> split(String value) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = value.length();
        while (true) {
            if (i < n && value.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("a double quote is not closed");
                    }
                    char c = value.charAt(i++);
                    if (c == '"') {
                        if (i < n && value.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                if (i < n && value.charAt(i) != ',') {
                    throw new IllegalArgumentException("text follows a closing double quote");
                }
            } else {
                while (i < n && value.charAt(i) != ',') {
                    field.append(value.charAt(i++));
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    /** A {@code KEY=VALUE} field: the key stripped and in lower case, the value as written. */
    record Pair(String key, String value) {}

    /**
     * The fields as {@code KEY=VALUE} pairs, in order.
     *
     * @throws IllegalArgumentException naming the first field without {@code =}
     */
    static List<Pair> pairs(List<String> fields) {
        List<Pair> out = new ArrayList<>();
        for (String field : fields) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("field '" + field + "' is not KEY=VALUE");
            }
            out.add(new Pair(field.substring(0, eq).strip().toLowerCase(Locale.ROOT), field.substring(eq + 1)));
        }
        return out;
    }
}
