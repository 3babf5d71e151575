package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * File names are bytes: whatever the locale the JVM starts in (services and CI agents often run with none, or with
 * {@code LANG=POSIX}, where Java decodes names as ASCII), a name is matched against {@code .dockerignore}, sent and
 * copied as the bytes on disk, as the docker CLI does. The engine builds in a child JVM started with that locale,
 * on both ways of sending the context: a {@code .dockerignore} line {@code clé.pem} keeps that file out,
 * {@code COPY ü.txt /} finds its file, and a name that is not UTF-8 ({@code caf\xe9.txt}) arrives with its bytes.
 * Under UTF-8 the names in the image are also compared with what the docker CLI (20.10) sends for the same context.
 */
class NamesAsBytesTest {

    private static final byte[] CLE_PEM = "clé.pem".getBytes(StandardCharsets.UTF_8);
    private static final byte[] U_TXT = "ü.txt".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CAFE_TXT = {'c', 'a', 'f', (byte) 0xe9, '.', 't', 'x', 't'};

    @ParameterizedTest(name = "{0} with locale {1}")
    @CsvSource({"classic,none", "classic,POSIX", "classic,C.UTF-8", "buildkit,none", "buildkit,POSIX",
            "buildkit,C.UTF-8"})
    void namesAreMatchedSentAndCopiedAsTheirBytes(String builder, String locale, @TempDir Path tmp)
            throws Exception {
        byte[] pemSecret = ("pem-secret-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.write(ctx.resolve("Dockerfile"), ("FROM " + Lab.get().baseImage() + "\n"
                + "COPY ü.txt /\n"
                + "COPY . /ctx/\n"
                // the shell's glob and echo print names as their bytes (busybox ls would print '?' for some)
                + "RUN cd /ctx && for f in *; do echo \"$f\"; done | busybox od -An -tx1 -v > /names.hex\n")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(ctx.resolve(".dockerignore"), ("clé.pem\n").getBytes(StandardCharsets.UTF_8));
        Files.write(FileNames.resolve(ctx, FileNames.decode(CLE_PEM)), pemSecret);
        Files.writeString(FileNames.resolve(ctx, FileNames.decode(U_TXT)), "u-umlaut\n");
        Files.writeString(FileNames.resolve(ctx, FileNames.decode(CAFE_TXT)), "latin-1 name\n");

        String tag = "localhost/cb-names-" + builder + "-" + UUID.randomUUID().toString().substring(0, 8) + ":1";
        List<String> made = new ArrayList<>();
        try {
            String probe = buildInChildJvm(ctx, tag, builder, locale);
            assertThat(probe).as("the build with locale %s", locale).startsWith("built sha256:");
            made.add(tag);
            SavedImage image = SavedImage.of(Lab.get().hostSocket(), tag);
            image.assertHoldsNo("the content of clé.pem, which .dockerignore excludes", pemSecret);
            assertThat(new String(image.file("ü.txt"), StandardCharsets.UTF_8)).isEqualTo("u-umlaut\n");
            Set<String> names = names(image.file("names.hex"));
            assertThat(names).as("the names in /ctx, as hex bytes")
                    .containsExactlyInAnyOrder(hex("Dockerfile".getBytes(StandardCharsets.US_ASCII)), hex(U_TXT),
                            hex(CAFE_TXT));

            if (locale.equals("C.UTF-8")) {
                String theirs = tag.replace(":1", ":docker-cli");
                Lab.Result cli = Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + Lab.get().hostSocket(),
                        "build", "-q", "--network", "none", "-t", theirs, ctx.toString()),
                        Map.of("DOCKER_BUILDKIT", builder.equals("buildkit") ? "1" : "0"), true);
                made.add(theirs);
                assertThat(names(SavedImage.of(Lab.get().hostSocket(), theirs).file("names.hex")))
                        .as("the names the docker CLI sent (%s)", cli.stdout().strip()).isEqualTo(names);
            }
        } finally {
            LabSupport.removeImages(made.toArray(String[]::new));
        }
    }

    /**
     * The {@code .dockerignore} case alone (the build above stops at {@code COPY ü.txt} where names are not kept):
     * the line {@code clé.pem} keeps the file of that name out of the image whatever the locale.
     */
    @ParameterizedTest(name = "{0} with locale {1}")
    @CsvSource({"classic,none", "classic,POSIX", "buildkit,none", "buildkit,POSIX"})
    void aDockerignoreLineMatchesTheBytesOfTheName(String builder, String locale, @TempDir Path tmp)
            throws Exception {
        byte[] pemSecret = ("pem-secret-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + Lab.get().baseImage() + "\nCOPY . /ctx/\n");
        Files.write(ctx.resolve(".dockerignore"), ("clé.pem\n").getBytes(StandardCharsets.UTF_8));
        Files.write(FileNames.resolve(ctx, FileNames.decode(CLE_PEM)), pemSecret);
        Files.writeString(ctx.resolve("kept.txt"), "kept\n");

        String tag = "localhost/cb-ignorebytes-" + builder + "-" + UUID.randomUUID().toString().substring(0, 8) + ":1";
        List<String> made = new ArrayList<>();
        try {
            assertThat(buildInChildJvm(ctx, tag, builder, locale)).startsWith("built sha256:");
            made.add(tag);
            SavedImage image = SavedImage.of(Lab.get().hostSocket(), tag);
            assertThat(image.file("ctx/kept.txt")).isEqualTo("kept\n".getBytes(StandardCharsets.US_ASCII));
            image.assertHoldsNo("the content of clé.pem, which .dockerignore excludes", pemSecret);
        } finally {
            LabSupport.removeImages(made.toArray(String[]::new));
        }
    }

    /** The names, one a line, that {@code od -An -tx1} printed, each as its bytes in hex. */
    private static Set<String> names(byte[] odOutput) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String hex : new String(odOutput, StandardCharsets.US_ASCII).trim().split("\\s+")) {
            bytes.write(Integer.parseInt(hex, 16));
        }
        Set<String> names = new TreeSet<>();
        for (String line : new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1).split("\n")) {
            names.add(hex(line.getBytes(StandardCharsets.ISO_8859_1)));
        }
        return names;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /**
     * Builds in a child JVM whose environment has no locale ({@code none}: no {@code LANG}, no {@code LC_*}) or the
     * locale given as {@code LANG}, and returns what {@link ContextReadProbe} printed.
     */
    private static String buildInChildJvm(Path ctx, String tag, String builder, String locale)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ContextReadProbe.class.getName(), ctx.toString(), Lab.get().hostSocket().toString(), tag, builder)
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_"));
        if (!locale.equals("none")) {
            pb.environment().put("LANG", locale);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("the child JVM ended").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        System.err.println("--- child JVM (" + builder + ", locale " + locale + "):\n" + text);
        return text.lines().filter(l -> !l.startsWith("WARNING")).reduce((a, b) -> b).orElse("").strip();
    }
}
