package io.jenkins.plugins.containerbuild;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the administrator's DinD settings mean: which images may be started (patterns with {@code *}), and the name a
 * cache volume gets on the daemon when volumes are per job.
 */
final class DindImages {

    private static final Pattern IMAGE_CHARS = Pattern.compile("[a-z0-9][a-z0-9._/:@*\\-]*");

    private DindImages() {}

    /** The patterns of a text area, one per line, blank lines dropped; IllegalArgumentException on a bad line. */
    static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\\R")) {
            String p = line.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (!IMAGE_CHARS.matcher(p).matches()) {
                throw new IllegalArgumentException(Messages.DindImages_BadPattern(p));
            }
            out.add(p);
        }
        return out;
    }

    /** Whether {@code image} matches one of the patterns (whole name, {@code *} any text); any image when none. */
    static boolean allowed(String image, List<String> patterns) {
        if (patterns.isEmpty()) {
            return true;
        }
        for (String p : patterns) {
            StringBuilder regex = new StringBuilder();
            for (String part : p.split("\\*", -1)) {
                if (!regex.isEmpty()) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            if (Pattern.matches(regex.toString(), image)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The volume a job's {@code cacheVolume} names on the daemon: the name prefixed by a digest of the job's full name,
     * so that two jobs naming the same volume do not read (or poison) each other's layer cache.
     */
    static String jobVolume(String jobFullName, String volume) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(jobFullName.getBytes(StandardCharsets.UTF_8));
            return "job-" + HexFormat.of().formatHex(d, 0, 6).toLowerCase(Locale.ROOT) + "-" + volume;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
