package io.jenkins.plugins.containerbuild.engine;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What of a secret must never appear in a log, for the CLI's console and the plugin's build log alike: each value
 * whole and, since a log is written line by line (a step that prints a multi-line secret shows it one line at a time),
 * each of its lines too. Lines shorter than {@value #MIN_LINE} characters (a brace of a JSON file) are masked only as
 * part of the whole value, or every brace of the log would be.
 */
public final class SecretMasks {

    public static final int MIN_LINE = 4;

    private SecretMasks() {}

    /** The texts to mask for these values, longest first (a value inside another leaves nothing of the longer one). */
    public static List<String> of(Collection<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (v == null || v.isEmpty()) {
                continue;
            }
            out.add(v);
            v.lines().map(String::strip).filter(l -> l.length() >= MIN_LINE && !l.equals(v)).forEach(out::add);
        }
        out.sort((a, b) -> Integer.compare(b.length(), a.length()));
        return out;
    }

    /** A secret's bytes as text, or null when they are not UTF-8: binary cannot appear in a text log as such. */
    public static String text(byte[] value) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException binary) {
            return null;
        }
    }
}
