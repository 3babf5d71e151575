package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image as {@code GET /images/{name}/get} ({@code docker save}) exports it, read into memory: every file of the
 * outer tar (manifest, config with its history and labels) under its name, and every file inside each layer under
 * {@code LAYER!path}. For the "the secret is in no layer and no image config" checks of the engine's, the CLI's and
 * the plugin's tests.
 */
public final class SavedImage {

    private final String name;
    private final Map<String, byte[]> files;

    private SavedImage(String name, Map<String, byte[]> files) {
        this.name = name;
        this.files = files;
    }

    /** Saves {@code name} from the daemon on the unix socket {@code socket}. */
    public static SavedImage of(Path socket, String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("curl", "-sf", "--unix-socket", socket.toString(),
                "http://d/images/" + name + "/get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] tar;
        try (InputStream in = p.getInputStream()) {
            tar = in.readAllBytes();
        }
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("GET /images/" + name + "/get failed");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> outer : untar(tar).entrySet()) {
            files.put(outer.getKey(), outer.getValue());
            byte[] layer = layerTar(outer.getValue());
            if (layer != null) { // layer.tar (20.10), an OCI blob (26.1), gzip-compressed with the containerd store
                untar(layer).forEach((path, content) -> files.put(outer.getKey() + "!" + path, content));
            }
        }
        return new SavedImage(name, files);
    }

    public Map<String, byte[]> files() {
        return files;
    }

    /** The content of {@code path} in the image's topmost layer that has it. */
    public byte[] file(String path) {
        List<byte[]> found = new ArrayList<>();
        files.forEach((entry, content) -> {
            if (entry.endsWith("!" + path) || entry.endsWith("!./" + path)) {
                found.add(content);
            }
        });
        assertThat(found).as("%s in the image %s", path, name).isNotEmpty();
        return found.get(found.size() - 1);
    }

    /**
     * Fails when a file of the image (a layer's file, the config, the manifest) holds {@code secret} or one of its
     * base64 forms ({@link DiskSnapshot#forms(byte[])}); {@code what} names the secret in the failure, never its
     * value.
     */
    public void assertHoldsNo(String what, byte[] secret) {
        assertThat(files).as("the saved image %s has a config and layers", name).hasSizeGreaterThan(2);
        Set<String> forms = DiskSnapshot.forms(secret);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String text = new String(f.getValue(), StandardCharsets.ISO_8859_1);
            for (String form : forms) {
                assertThat(text.contains(form)).as("%s (a form of %d chars) in %s of %s", what, form.length(),
                        f.getKey(), name).isFalse();
            }
        }
    }

    /** The bytes as a tar, decompressed when gzip; null when they are not a tar. */
    private static byte[] layerTar(byte[] blob) throws IOException {
        byte[] b = blob;
        if (b.length > 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
                b = in.readAllBytes();
            }
        }
        boolean ustar = b.length >= 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        return ustar ? b : null;
    }

    private static Map<String, byte[]> untar(byte[] tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }
}
