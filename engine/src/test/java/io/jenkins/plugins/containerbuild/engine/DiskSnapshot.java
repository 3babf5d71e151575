package io.jenkins.plugins.containerbuild.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every regular file under the home, {@code /tmp} and {@code /var/tmp} folders, by size and modification time, so
 * that a test can search what appeared or changed meanwhile for a secret, whatever the files are called. Other tests
 * on the machine write there too: a test matches on its own secret's content, never on the mere existence of files.
 * The folders of the session machinery that runs these tests are left out.
 */
public final class DiskSnapshot {

    /** Files larger than this are not searched (none of what could leak a secret is that big). */
    static final long MAX_SEARCHED = 64L * 1024 * 1024;

    private record Stamp(long size, long modified) {}

    private final List<Path> roots;
    private final Map<Path, Stamp> files;

    private DiskSnapshot(List<Path> roots, Map<Path, Stamp> files) {
        this.roots = roots;
        this.files = files;
    }

    static List<Path> roots() {
        return List.of(Path.of(System.getProperty("user.home")), Path.of("/tmp"), Path.of("/var/tmp"));
    }

    private static boolean skipped(Path dir) {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        return name.startsWith("bash_jobs.") || dir.equals(Path.of(System.getProperty("user.home"), ".claude"));
    }

    public static DiskSnapshot take() throws IOException {
        return take(roots());
    }

    /** Only the temporary folders: cheap enough for every fault case. */
    public static DiskSnapshot takeTemporary() throws IOException {
        return take(List.of(Path.of(System.getProperty("java.io.tmpdir")), Path.of("/tmp"), Path.of("/var/tmp")));
    }

    static DiskSnapshot take(List<Path> roots) throws IOException {
        Map<Path, Stamp> files = new HashMap<>();
        for (Path root : new LinkedHashSet<>(roots.stream().map(Path::normalize).toList())) {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return skipped(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        files.put(file, new Stamp(attrs.size(), attrs.lastModifiedTime().toMillis()));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or unreadable
                }
            });
        }
        return new DiskSnapshot(roots, files);
    }

    /** Files that are new or changed since this snapshot. */
    List<Path> changedSince() throws IOException {
        DiskSnapshot now = take(roots);
        List<Path> changed = new ArrayList<>();
        now.files.forEach((p, s) -> {
            if (!s.equals(files.get(p))) {
                changed.add(p);
            }
        });
        return changed;
    }

    /**
     * Of the files new or changed since this snapshot, those that hold any of {@code needles} (each with the file
     * it was found in). Their count of searched files is checked so that the search cannot be empty by accident.
     */
    public List<String> changedFilesContaining(Set<String> needles) throws IOException {
        List<String> hits = new ArrayList<>();
        for (Path p : changedSince()) {
            String text;
            try {
                if (Files.size(p) > MAX_SEARCHED) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(p)) {
                    text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                }
            } catch (IOException e) {
                continue; // removed meanwhile, or not ours to read
            }
            for (String n : needles) {
                if (text.contains(n)) {
                    hits.add(p + " holds a form of the secret (" + n.length() + " chars)");
                }
            }
        }
        return hits;
    }

    /**
     * The forms a secret can take on the wire or on disk: plain, URL-encoded, and base64 (standard and URL alphabet)
     * at each of the three alignments it can have inside a longer base64 text, without the characters that depend
     * on its neighbours.
     */
    public static Set<String> forms(String secret) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(secret);
        forms.add(java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8));
        forms.addAll(forms(secret.getBytes(StandardCharsets.UTF_8)));
        return forms;
    }

    /**
     * The forms bytes can take on disk: the bytes themselves (as ISO-8859-1 text, the way files are read for the
     * search) and base64 (standard and URL alphabet) at each of the three alignments, as for {@link #forms(String)}.
     */
    public static Set<String> forms(byte[] bytes) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(new String(bytes, StandardCharsets.ISO_8859_1));
        for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            forms.add(enc.encodeToString(bytes));
            for (int pad = 0; pad < 3; pad++) {
                byte[] shifted = new byte[pad + bytes.length];
                System.arraycopy(bytes, 0, shifted, pad, bytes.length);
                String s = enc.withoutPadding().encodeToString(shifted);
                // characters fully determined by the secret: skip those mixed with the prefix, and the last group
                int from = pad == 0 ? 0 : (pad * 8 + 5) / 6;
                int to = ((pad + bytes.length) / 3) * 4;
                if (to - from >= 8) {
                    forms.add(s.substring(from, to));
                }
            }
        }
        return forms;
    }

    /**
     * The forms of a PEM or OpenSSH private key: each line of its base64 body (16 characters or more), the body
     * joined, and the forms of the key's bytes of at least 16 characters.
     */
    public static Set<String> keyForms(String keyPem) {
        Set<String> forms = new LinkedHashSet<>();
        List<String> body = keyPem.lines().filter(l -> !l.startsWith("-----") && !l.isBlank()).toList();
        body.stream().filter(l -> l.length() >= 16).forEach(forms::add);
        String joined = String.join("", body);
        forms.add(joined);
        forms.addAll(forms(Base64.getDecoder().decode(joined)).stream().filter(f -> f.length() >= 16).toList());
        return forms;
    }
}
