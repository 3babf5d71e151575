package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code build --push}, as {@code docker buildx build --push}: one command builds and then pushes the tags through
 * the same connection (the same daemon, and with {@code --dind} the same sidecar), with the push options, and
 * {@code --json} carries the image id and the digests. On the lab's plain and htpasswd registries.
 */
class BuildPushTest {

    private static final List<String> CREATED = new ArrayList<>();
    private static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";

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

    private static long count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1L;
    }

    @Test
    void buildsAndPushesEveryTagToThePlainRegistryInOneCall() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/build-push-" + id;
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        String latest = lab.plainRegistry() + "/" + repo + ":latest";
        CREATED.add(tag);
        CREATED.add(latest);
        Path context = CliRun.context(dir, lab.baseImage(), "build-push-" + id);

        CliRun r = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--tag", latest,
                "--network", "none", "--push", "--timeout", "5m", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = r.json();
        assertThat(json.path("imageId").asText()).startsWith("sha256:");
        assertThat(json.path("tags").toString()).isEqualTo("[\"" + tag + "\",\"" + latest + "\"]");
        assertThat(json.path("size").asLong()).isPositive();
        assertThat(json.path("digests").path(tag).asText())
                .isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "1", null));
        assertThat(json.path("digests").path(latest).asText())
                .isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "latest", null));
        assertThat(count(r.err(), "Connected to")).as("one connection for both").isEqualTo(1);
        assertThat(lab.docker("image", "inspect", "-f", "{{.Id}}", tag).strip()).isEqualTo(json.path("imageId").asText());

        // without --json: the image id, then one "TAG DIGEST" line per tag
        CliRun text = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none",
                "--push");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out().lines().toList()).containsExactly(json.path("imageId").asText(),
                tag + " " + json.path("digests").path(tag).asText());
    }

    @Test
    void pushesToTheHtpasswdRegistryWithAPasswordFromStdinOrALoginFromTheConfigFile() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/build-push-auth-" + id;
        String tag = lab.authRegistry() + "/" + repo + ":1";
        CREATED.add(tag);
        Path context = CliRun.context(dir, lab.baseImage(), "build-push-auth-" + id);
        String password = lab.registryPassword();
        String user = lab.fact("LAB_REGISTRY_USER");
        Path config = Files.createDirectories(dir.resolve("config-" + id));
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("DOCKER_CONFIG", config.toString());

        CliRun anonymous = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", tag,
                "--network", "none", "--push", "--json");
        assertThat(anonymous.exit()).as("built, but the push has no login").isEqualTo(1);
        assertThat(anonymous.out()).isEmpty();
        assertThat(anonymous.err()).contains("Built sha256:").contains(lab.authRegistry()).contains("credentials");

        CliRun stdin = CliRun.runWith(env, password + "\n", "build", "--context", context.toString(), "--tag", tag,
                "--network", "none", "--push", "--username", user, "--password-stdin", "--json");
        assertThat(stdin.exit()).as(stdin.err()).isZero();
        assertThat(stdin.json().path("digests").path(tag).asText())
                .isEqualTo(CliRun.registryDigest(lab.authRegistry(), repo, "1", user + ":" + password));
        assertThat(stdin.json().path("imageId").asText()).startsWith("sha256:");

        Files.writeString(config.resolve("config.json"), "{\"auths\": {\"" + lab.authRegistry() + "\": {\"auth\": \""
                + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))
                + "\"}}}");
        CliRun configured = CliRun.runWith(env, "", "build", "--context", context.toString(), "--tag", tag,
                "--network", "none", "--push", "--json");
        assertThat(configured.exit()).as(configured.err()).isZero();
        assertThat(configured.json().path("digests").path(tag).asText())
                .isEqualTo(stdin.json().path("digests").path(tag).asText());

        for (CliRun r : List.of(anonymous, stdin, configured)) {
            assertThat(r.out() + r.err()).doesNotContain(password);
        }
    }

    @Test
    void aPlatformReachesTheDaemonAndItsImageIsPushedAsSuch() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/build-push-arm64-" + id;
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        CREATED.add(tag);
        Path context = Files.createDirectories(dir.resolve("arm64-" + id));
        Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY data /data\n"); // nothing runs
        Files.writeString(context.resolve("data"), id);

        CliRun r = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--platform", "linux/arm64",
                "--push", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("Building for linux/arm64 on a linux/amd64 daemon");
        assertThat(lab.docker("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", tag).strip())
                .isEqualTo("linux/arm64");
        assertThat(r.json().path("digests").path(tag).asText())
                .isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "1", null));
    }

    @Test
    void withDindOneSidecarBuildsAndPushes() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/build-push-dind-" + id;
        String tag = lab.authRegistry() + "/" + repo + ":1";
        Path context = CliRun.context(dir, lab.registryBaseImage(), "build-push-dind-" + id);
        String password = lab.registryPassword();
        String user = lab.fact("LAB_REGISTRY_USER");

        CliRun r = CliRun.runWith(CliRun.labEnv(), password, "build", "--context", context.toString(),
                "--tag", tag, "--network", "none", "--push", "--username", user, "--password-stdin", "--json",
                "--dind", lab.dindImage(), "--dind-security", "capabilities");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(count(r.err(), "Starting DinD sidecar")).as("one sidecar for both").isEqualTo(1);
        String sidecar = CliRun.sidecarId(r.err());
        assertThat(r.err()).contains("    | build-push-dind-" + id, "DinD sidecar " + sidecar + " removed");
        assertThat(r.json().path("digests").path(tag).asText())
                .isEqualTo(CliRun.registryDigest(lab.authRegistry(), repo, "1", user + ":" + password));
        assertThat(lab.docker("ps", "-a", "--filter", "id=" + sidecar, "-q").strip()).isEmpty();
        assertThat(lab.docker("ps", "-a", "--filter", "label=" + OWNER_LABEL + "=" + DaemonSelection.DIND_OWNER,
                "-q").strip()).isEmpty();
        assertThat(lab.docker("image", "ls", "-q", tag).strip()).as("the image lived in the sidecar").isEmpty();
        assertThat(r.out() + r.err()).doesNotContain(password);
    }
}
