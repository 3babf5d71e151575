package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The images a Dockerfile makes the daemon pull: {@code FROM} (after {@code --platform=}), {@code COPY --from} and
 * {@code ADD --from}, {@code RUN --mount=...,from=} and the {@code # syntax=} frontend. Stage names, stage numbers
 * and {@code scratch} are not images. References are expanded with the {@code ARG}s declared before the first
 * {@code FROM} and the build's {@code --build-arg}s, as the daemon expands them; what does not expand to something
 * is left out. Only registry hosts come of this: the CLI gives the build the logins of these hosts and no other.
 */
final class PullSources {

    private static final Pattern DIRECTIVE = Pattern.compile("#\\s*([A-Za-z][A-Za-z0-9]*)\\s*=\\s*(.*?)\\s*");
    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?");
    private static final Pattern MOUNT_FROM = Pattern.compile("(?:^|,)from=([^,\\s]+)");
    private static final int MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024;

    private PullSources() {}

    /**
     * The image references {@code dockerfile} pulls; empty when it cannot be read (the build then says why).
     *
     * @param buildArgs the build's {@code --build-arg}s
     */
    static List<String> images(Path dockerfile, Map<String, String> buildArgs) {
        String text;
        try (InputStream in = Files.newInputStream(dockerfile)) {
            byte[] bytes = in.readNBytes(MAX_DOCKERFILE_BYTES + 1);
            if (bytes.length > MAX_DOCKERFILE_BYTES) {
                return List.of();
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return images(text, buildArgs);
    }

    static List<String> images(String dockerfile, Map<String, String> buildArgs) {
        Set<String> images = new LinkedHashSet<>();
        List<String> lines = dockerfile.lines().toList();
        char escape = '\\';
        int i = 0;
        for (; i < lines.size(); i++) { // parser directives: only at the very top
            Matcher d = DIRECTIVE.matcher(lines.get(i).strip());
            if (!d.matches()) {
                break;
            }
            String key = d.group(1).toLowerCase(Locale.ROOT);
            if (key.equals("escape") && d.group(2).equals("`")) {
                escape = '`';
            } else if (key.equals("syntax") && !d.group(2).isEmpty()) {
                images.add(d.group(2));
            }
        }
        Map<String, String> metaArgs = new HashMap<>();
        Set<String> stages = new HashSet<>();
        boolean seenFrom = false;
        for (List<String> instruction : instructions(lines.subList(i, lines.size()), escape)) {
            String keyword = instruction.get(0).toUpperCase(Locale.ROOT);
            List<String> args = instruction.subList(1, instruction.size());
            switch (keyword) {
                case "ARG" -> {
                    if (!seenFrom) {
                        for (String a : args) {
                            int eq = a.indexOf('=');
                            String name = eq < 0 ? a : a.substring(0, eq);
                            String value = buildArgs.containsKey(name) ? buildArgs.get(name)
                                    : eq < 0 ? null : expand(unquote(a.substring(eq + 1)), metaArgs);
                            if (value != null) {
                                metaArgs.put(name, value);
                            }
                        }
                    }
                }
                case "FROM" -> {
                    seenFrom = true;
                    int k = 0;
                    while (k < args.size() && args.get(k).startsWith("--")) {
                        k++;
                    }
                    if (k < args.size()) {
                        addImage(images, expand(args.get(k), metaArgs), stages);
                    }
                    if (k + 2 < args.size() && args.get(k + 1).equalsIgnoreCase("AS")) {
                        stages.add(args.get(k + 2).toLowerCase(Locale.ROOT));
                    }
                }
                case "COPY", "ADD" -> {
                    for (String a : args) {
                        if (!a.startsWith("--")) {
                            break;
                        }
                        if (a.startsWith("--from=")) {
                            addImage(images, expand(a.substring(7), metaArgs), stages);
                        }
                    }
                }
                case "RUN" -> {
                    for (String a : args) {
                        if (!a.startsWith("--")) {
                            break;
                        }
                        if (a.startsWith("--mount=")) {
                            Matcher m = MOUNT_FROM.matcher(a.substring(8));
                            while (m.find()) {
                                addImage(images, expand(m.group(1), metaArgs), stages);
                            }
                        }
                    }
                }
                default -> { }
            }
        }
        return List.copyOf(images);
    }

    /** The registry hosts of {@code references}, normalised; a reference that is not valid names none. */
    static Set<String> hosts(List<String> references) {
        Set<String> hosts = new LinkedHashSet<>();
        for (String ref : references) {
            try {
                hosts.add(RegistryHost.normalize(ImageReference.parse(ref).registryHost()));
            } catch (IllegalArgumentException invalid) {
                // the daemon reports an invalid reference in its own words
            }
        }
        return hosts;
    }

    private static void addImage(Set<String> images, String ref, Set<String> stages) {
        String r = unquote(ref);
        if (r.isEmpty() || r.equalsIgnoreCase("scratch") || stages.contains(r.toLowerCase(Locale.ROOT))
                || r.chars().allMatch(Character::isDigit)) {
            return;
        }
        images.add(r);
    }

    /** The instructions, each as its keyword and whitespace-separated words, continuation lines joined. */
    private static List<List<String>> instructions(List<String> lines, char escape) {
        List<List<String>> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        String heredoc = null;
        for (String line : lines) {
            if (heredoc != null) {
                if (line.strip().equals(heredoc)) {
                    heredoc = null;
                }
                continue;
            }
            String s = line.strip();
            if (s.startsWith("#") || (s.isEmpty() && !current.isEmpty())) {
                continue; // comments, also inside a continued instruction; blank lines inside one are ignored too
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) == escape) {
                current.append(s, 0, s.length() - 1).append(' ');
                continue;
            }
            current.append(s);
            String whole = current.toString().strip();
            current.setLength(0);
            if (whole.isEmpty()) {
                continue;
            }
            Matcher h = HEREDOC.matcher(whole);
            if (h.find()) {
                heredoc = h.group(1);
            }
            out.add(List.of(whole.split("\\s+")));
        }
        return out;
    }

    private static String expand(String word, Map<String, String> vars) {
        Matcher m = VARIABLE.matcher(word);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(4);
            String value = vars.get(name);
            String replacement;
            if (m.group(2) == null) {
                replacement = value == null ? "" : value;
            } else if (m.group(2).equals("-")) {
                replacement = value == null || value.isEmpty() ? m.group(3) : value;
            } else {
                replacement = value == null || value.isEmpty() ? "" : m.group(3);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '"' || s.charAt(0) == '\'') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
