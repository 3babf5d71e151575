package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file or directory of the context that the user cannot read: one clear error naming it and saying what to do,
 * the build stopped on the daemon, nothing built; once the path is excluded in .dockerignore the same context
 * builds (as with the docker CLI, excluded paths are never opened). The tests run as root, which reads anything,
 * so the build runs in a child JVM whose capability bounding set lacks DAC override and DAC read-search.
 */
class UnreadableContextTest {

    @ParameterizedTest
    @ValueSource(strings = {"classic", "buildkit"})
    void anUnreadableFileOrDirectoryIsNamedAndCanBeExcluded(String builder, @TempDir Path dir) throws Exception {
        Path ctx = dir.resolve("ctx");
        Files.createDirectories(ctx.resolve("secret-dir"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + Lab.get().baseImage() + "\nCOPY . /ctx/\n");
        Files.writeString(ctx.resolve("readable.txt"), "fine\n");
        Files.writeString(ctx.resolve("locked.txt"), "not for you\n");
        Files.writeString(ctx.resolve("secret-dir/inner.txt"), "nor this\n");
        UserPrincipal nobody = ctx.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(ctx.resolve("locked.txt"), nobody);
        Files.setPosixFilePermissions(ctx.resolve("locked.txt"), PosixFilePermissions.fromString("---------"));
        Files.setOwner(ctx.resolve("secret-dir"), nobody);
        Files.setPosixFilePermissions(ctx.resolve("secret-dir"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        String tag = "localhost/cb-unreadable-" + builder + "-" + ProcessHandle.current().pid() + ":1";
        List<String> leftovers = new ArrayList<>();
        try {
            String first = probe(ctx, tag, builder);
            // the classic tar reads files as it walks: the first unreadable path in walk order is named; BuildKit's
            // session sends every stat first and contents on request, so the unlistable directory may come first
            List<String> named = builder.equals("classic") ? List.of("locked.txt") : List.of("locked.txt", "secret-dir");
            assertThat(named.stream().map(n -> "BuildContextException: Cannot read " + ctx.resolve(n)
                    + " in the build context: make it readable or exclude it in .dockerignore."))
                    .as("the error names an unreadable path").anyMatch(first::startsWith);
            assertThat(imageExists(tag)).as("nothing tagged after the failure").isFalse();

            Files.writeString(ctx.resolve(".dockerignore"), "locked.txt\n");
            String second = probe(ctx, tag, builder);
            assertThat(second).startsWith("BuildContextException: Cannot read " + ctx.resolve("secret-dir"));

            Files.writeString(ctx.resolve(".dockerignore"), "locked.txt\nsecret-dir\n");
            String third = probe(ctx, tag, builder);
            assertThat(third).as("with both excluded the context builds").startsWith("built sha256:");
            leftovers.add(tag);
            assertThat(Lab.get().docker("run", "--rm", "--network", "none", tag, "ls", "/ctx"))
                    .contains("readable.txt").doesNotContain("locked.txt").doesNotContain("secret-dir");
        } finally {
            LabSupport.removeImages(leftovers.toArray(String[]::new));
        }
    }

    private static boolean imageExists(String tag) {
        return Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + Lab.get().hostSocket(), "image", "inspect", tag),
                null, false).exitCode() == 0;
    }

    private static String probe(Path ctx, String tag, String builder) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Lab.Result r = Lab.exec(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--",
                java, "-cp", System.getProperty("java.class.path"), ContextReadProbe.class.getName(),
                ctx.toString(), Lab.get().hostSocket().toString(), tag, builder), null, true);
        return r.stdout().strip();
    }
}
