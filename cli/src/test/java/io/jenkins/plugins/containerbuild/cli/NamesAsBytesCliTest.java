package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.context.FileNames;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command line in a process of its own started with no locale at all, or with {@code LANG=POSIX} (as services and
 * CI agents often are; its JVM then decodes file names as ASCII): a context's names are matched against
 * {@code .dockerignore}, sent and copied as their bytes, on both builders. The build's own {@code RUN} checks the
 * names in the image byte for byte ({@code printf} octal escapes), so a name that arrived renamed fails the build.
 */
class NamesAsBytesCliTest {

    private final Lab lab = Lab.get();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} with locale {1}")
    @CsvSource({"classic,none", "classic,POSIX", "buildkit,none", "buildkit,POSIX"})
    void namesKeepTheirBytesWhateverTheLocale(String builder, String locale) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "COPY . /ctx/\n"
                + "RUN test -f \"/ctx/$(printf 'caf\\351.txt')\" && test -f \"/ctx/$(printf '\\303\\274.txt')\""
                + " && test ! -e \"/ctx/$(printf 'cl\\303\\251.pem')\" && test -f /ctx/kept.txt\n");
        Files.write(ctx.resolve(".dockerignore"), "clé.pem\n".getBytes(StandardCharsets.UTF_8));
        Files.writeString(FileNames.resolve(ctx, "clé.pem"), "secret\n");
        Files.writeString(FileNames.resolve(ctx, "ü.txt"), "u\n");
        Files.writeString(FileNames.resolve(ctx, FileNames.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9, '.', 't',
                'x', 't'})), "latin-1\n");
        Files.writeString(ctx.resolve("kept.txt"), "kept\n");
        String tag = "it/cli-names-bytes-" + CliRun.unique() + ":" + builder;
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                    ContainerBuildCli.class.getName(), "build", "--context", ctx.toString(), "--tag", tag,
                    "--builder", builder, "--network", "none").redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.equals("LANGUAGE") || k.startsWith("LC_")
                    || k.startsWith("DOCKER_"));
            if (!locale.equals("none")) {
                pb.environment().put("LANG", locale);
            }
            pb.environment().put("DOCKER_HOST", "unix://" + lab.hostSocket());
            Process p = pb.start();
            p.getOutputStream().close();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("the CLI ended").isTrue();
                assertThat(p.exitValue()).as(out).isZero();
            } finally {
                p.destroyForcibly();
            }
            assertThat(lab.docker("run", "--rm", "--network", "none", tag, "cat", "/ctx/kept.txt")).contains("kept");
        } finally {
            CliRun.removeFromHostDaemon(List.of(tag));
        }
    }
}
