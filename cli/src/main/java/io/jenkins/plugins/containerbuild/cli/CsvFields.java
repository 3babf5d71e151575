package io.jenkins.plugins.containerbuild.cli;

import java.util.ArrayList;
import java.util.List;

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
}
