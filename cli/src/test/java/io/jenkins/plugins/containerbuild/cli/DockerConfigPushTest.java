package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code push} without {@code --username} takes the lab registry's login from config.json, as the docker CLI does. */
class DockerConfigPushTest {

    private static final List<String> CREATED = new ArrayList<>();

    @TempDir
    static Path dir;

    private static Lab lab;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    @AfterAll
    static void removeImages() throws Exception {
        CliRun.removeFromHostDaemon(CREATED);
    }

    private static String tagged(String registry, String name) {
        String tag = registry + "/cli-test/" + name + "-" + CliRun.unique() + ":1";
        lab.docker("tag", lab.baseImage(), tag);
        CREATED.add(tag);
        return tag;
    }

    private static Map<String, String> env(Path config, Path bin) {
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("DOCKER_CONFIG", config.toString());
        env.put("PATH", (bin == null ? "" : bin + ":") + "/usr/bin:/bin");
        return env;
    }

    @Test
    void anAuthsEntryLogsThePushIn() throws Exception {
        Path config = Files.createDirectories(dir.resolve("auths"));
        String password = lab.registryPassword();
        String user = lab.fact("LAB_REGISTRY_USER");
        String tag = tagged(lab.authRegistry(), "auths");
        String plain = tagged(lab.plainRegistry(), "auths-plain");

        CliRun anonymous = CliRun.runWith(env(config, null), "", "push", "--tag", tag, "--json");
        assertThat(anonymous.exit()).as("no config.json: no login").isEqualTo(1);

        Files.writeString(config.resolve("config.json"), "{\"auths\": {\"" + lab.authRegistry() + "\": {\"auth\": \""
                + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))
                + "\"}}}");
        CliRun pushed = CliRun.runWith(env(config, null), "", "push", "--tag", tag, "--tag", plain, "--json");

        assertThat(pushed.exit()).as(pushed.err()).isZero();
        String repo = tag.substring(lab.authRegistry().length() + 1, tag.lastIndexOf(':'));
        assertThat(pushed.json().path("digests").path(tag).asText())
                .isEqualTo(CliRun.registryDigest(lab.authRegistry(), repo, "1", user + ":" + password));
        assertThat(pushed.json().path("digests").path(plain).asText()).startsWith("sha256:");
        assertThat(pushed.err()).doesNotContain(password);
    }

    @Test
    void aCredentialHelperLogsThePushIn() throws Exception {
        Path config = Files.createDirectories(dir.resolve("helper"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        String password = lab.registryPassword();
        String user = lab.fact("LAB_REGISTRY_USER");
        // the helper reads the password from a file the test owns: like a keychain, not from argv or env
        Path store = Files.writeString(dir.resolve("keychain"), password);
        Path script = bin.resolve("docker-credential-test");
        Files.writeString(script, "#!/bin/sh\n"
                + "addr=$(cat)\n"
                + "if [ \"$addr\" = \"" + lab.authRegistry() + "\" ]; then\n"
                + "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"%s\"}' \"$addr\" \"$(cat "
                + store + ")\"\n"
                + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config.resolve("config.json"), "{\"credsStore\": \"test\"}");
        String tag = tagged(lab.authRegistry(), "helper");

        CliRun pushed = CliRun.runWith(env(config, bin), "", "push", "--tag", tag, "--json");

        assertThat(pushed.exit()).as(pushed.err()).isZero();
        assertThat(pushed.json().path("digests").path(tag).asText()).startsWith("sha256:");
        assertThat(pushed.err()).doesNotContain(password);
    }
}
