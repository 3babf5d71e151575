package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds on the lab's host daemon and pushes to its plain and its authenticated registry. */
class BuildAndPushTest {

    private static final List<String> CREATED = new ArrayList<>();

    @TempDir
    static Path dir;

    private static Lab lab;

    @BeforeAll
    static void lab() {
        lab = Lab.get(); // fails loudly when the lab is down
    }

    @AfterAll
    static void removeImages() throws Exception {
        CliRun.removeFromHostDaemon(CREATED);
    }

    @Test
    void buildsAndPushesToThePlainRegistryWithJson() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/hello-" + id;
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        String second = lab.plainRegistry() + "/" + repo + ":latest";
        CREATED.add(tag);
        CREATED.add(second);
        Path context = CliRun.context(dir, lab.baseImage(), "marker-" + id);

        CliRun build = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--tag", second,
                "--build-arg", "GREETING=hi", "--label", "org.example.test=" + id, "--network", "none", "--json");

        assertThat(build.exit()).as(build.err()).isZero();
        JsonNode result = build.json();
        assertThat(result.path("imageId").asText()).startsWith("sha256:");
        assertThat(result.path("tags")).extracting(JsonNode::asText).containsExactly(tag, second);
        assertThat(result.path("size").asLong()).isPositive();
        assertThat(result.has("cachedSteps")).isTrue();
        assertThat(result.path("durationMs").asLong()).isPositive();
        // progress went to stderr: the steps and the output of the RUN step, indented
        assertThat(build.err()).contains("Step ", "RUN cat /hello.txt", "    | marker-" + id);
        // the image is really on the daemon with the label
        String labels = lab.docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag);
        assertThat(labels).contains("\"org.example.test\":\"" + id + "\"");
        assertThat(lab.docker("image", "inspect", "--format", "{{.Id}}", tag).strip())
                .isEqualTo(result.path("imageId").asText());

        CliRun push = CliRun.run("push", "--tag", tag, "--tag", second, "--json");

        assertThat(push.exit()).as(push.err()).isZero();
        JsonNode digests = push.json().path("digests");
        assertThat(digests.size()).isEqualTo(2);
        String digest = digests.path(tag).asText();
        assertThat(digest).startsWith("sha256:");
        assertThat(digest).isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "1", null));
        assertThat(digests.path(second).asText()).isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "latest", null));
        assertThat(push.err()).contains("Pushing " + tag);
    }

    @Test
    void withoutJsonStdoutCarriesTheImageIdOnly() {
        String tag = lab.plainRegistry() + "/cli-test/plain-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        Path context = CliRun.context(dir, lab.baseImage(), "plain");

        CliRun build = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none",
                "--builder", "classic");

        assertThat(build.exit()).as(build.err()).isZero();
        assertThat(build.out().strip()).matches("sha256:[0-9a-f]{64}");
        assertThat(build.err()).contains("Step 1/3 : FROM " + lab.baseImage());
    }

    @Test
    void pushToTheAuthRegistryNeedsCredentialsAndNeverShowsThePassword() throws Exception {
        String id = CliRun.unique();
        String repo = "cli-test/auth-" + id;
        String tag = lab.authRegistry() + "/" + repo + ":1";
        CREATED.add(tag);
        Path context = CliRun.context(dir, lab.baseImage(), "auth-" + id);
        CliRun build = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none");
        assertThat(build.exit()).as(build.err()).isZero();

        CliRun anonymous = CliRun.run("push", "--tag", tag, "--json");

        assertThat(anonymous.exit()).isEqualTo(1);
        assertThat(anonymous.out()).isEmpty();
        assertThat(anonymous.err()).contains("credentials").contains(lab.authRegistry())
                .doesNotContain("Exception", "\tat ");

        String password = lab.registryPassword();
        String user = lab.fact("LAB_REGISTRY_USER");
        CliRun wrong = CliRun.runWith(CliRun.labEnv(), "not-" + password + "\n", "push", "--tag", tag,
                "--username", user, "--password-stdin", "--json");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("refused").doesNotContain("not-" + password).doesNotContain(password);

        CliRun authed = CliRun.runWith(CliRun.labEnv(), password + "\n", "push", "--tag", tag,
                "--username", user, "--password-stdin", "--json");

        assertThat(authed.exit()).as(authed.err()).isZero();
        String digest = authed.json().path("digests").path(tag).asText();
        assertThat(digest).startsWith("sha256:")
                .isEqualTo(CliRun.registryDigest(lab.authRegistry(), repo, "1", user + ":" + password));
        assertThat(authed.out()).doesNotContain(password);
        assertThat(authed.err()).doesNotContain(password);
        assertThat(anonymous.err()).doesNotContain(password);
    }

    @Test
    void aFailingStepExitsOneWithTheDaemonsMessage() throws Exception {
        Path context = java.nio.file.Files.createDirectories(dir.resolve("failing"));
        java.nio.file.Files.writeString(context.resolve("Dockerfile"),
                "FROM " + lab.baseImage() + "\nRUN echo about-to-fail && exit 3\n");
        String tag = lab.plainRegistry() + "/cli-test/failing-" + CliRun.unique() + ":1";
        CREATED.add(tag);

        CliRun r = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none", "--json");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("containerbuild: Build failed", "about-to-fail").doesNotContain("\tat ");
    }

    @Test
    void aMissingDockerfileExitsOne() {
        CliRun r = CliRun.run("build", "--context", dir.toString(), "--file", dir.resolve("nope/Dockerfile").toString(),
                "--tag", "cli-test/never:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("nope/Dockerfile", "does not exist");
    }
}
