package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's credentials inside a real build on the lab daemon: a private base image on the htpasswd
 * registry pulled with a config.json login (an {@code auths} entry, a credential helper script), secrets from a
 * file and a variable, SSH keys, and local and tar outputs.
 */
class InsideTheBuildTest {

    private static final List<String> CREATED = new ArrayList<>();

    @TempDir
    static Path dir;

    private static Lab lab;
    private static String privateBase;

    @BeforeAll
    static void privateBaseImage() throws Exception {
        lab = Lab.get();
        privateBase = lab.authRegistry() + "/cli-test/private-base-" + CliRun.unique() + ":1";
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), EventSink.discard())) {
            engine.tag(lab.baseImage(), privateBase);
            engine.push(PushRequest.builder().tag(privateBase).credentials(lab.registryCredentials()).build());
            engine.remove(privateBase); // the builds below must pull it
        }
    }

    @AfterAll
    static void removeImages() throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), EventSink.discard())) {
            engine.remove(privateBase);
            for (String tag : CREATED) {
                engine.remove(tag);
            }
        }
    }

    private static Map<String, String> env(Path config, Path bin) {
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("DOCKER_CONFIG", config.toString());
        env.put("PATH", (bin == null ? "" : bin + ":") + "/usr/bin:/bin");
        return env;
    }

    private static Path privateContext() throws Exception {
        Path context = Files.createDirectories(dir.resolve("private-" + CliRun.unique()));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + privateBase + "\nRUN echo pulled-privately "
                + CliRun.unique() + "\n"); // a step of its own each time: never from the cache
        return context;
    }

    private static CliRun buildFromPrivate(Map<String, String> env, String builder) throws Exception {
        String tag = lab.plainRegistry() + "/cli-test/from-private-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        // --pull: the daemon must ask the registry each time, whatever it has cached from the build before
        return CliRun.runWith(env, "", "build", "--context", privateContext().toString(), "--tag", tag, "--pull",
                "--network", "none", "--builder", builder, "--json");
    }

    @Test
    void aPrivateBaseImageIsPulledWithTheAuthsEntryOnBothBuilders() throws Exception {
        Path config = Files.createDirectories(dir.resolve("auths"));
        String user = lab.fact("LAB_REGISTRY_USER");
        String password = lab.registryPassword();
        for (String builder : List.of("buildkit", "classic")) {
            Files.deleteIfExists(config.resolve("config.json"));
            CliRun anonymous = buildFromPrivate(env(config, null), builder);
            assertThat(anonymous.exit()).as(builder + " without a login: " + anonymous.err()).isEqualTo(1);

            Files.writeString(config.resolve("config.json"), "{\"auths\": {\"" + lab.authRegistry()
                    + "\": {\"auth\": \"" + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)) + "\"}}}");
            CliRun authed = buildFromPrivate(env(config, null), builder);
            assertThat(authed.exit()).as(builder + ": " + authed.err()).isZero();
            assertThat(authed.json().path("imageId").asText()).startsWith("sha256:");
            assertThat(authed.err()).contains("pulled-privately").doesNotContain(password);

            // a login for another host only: the lab registry gets none
            Files.writeString(config.resolve("config.json"), "{\"auths\": {\"" + lab.tlsRegistry()
                    + "\": {\"auth\": \"" + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)) + "\"}}}");
            CliRun other = buildFromPrivate(env(config, null), builder);
            assertThat(other.exit()).as(builder + " with another host's login: " + other.err()).isEqualTo(1);
        }
    }

    @Test
    void aPrivateBaseImageIsPulledWithACredentialHelper() throws Exception {
        Path config = Files.createDirectories(dir.resolve("helper"));
        Path bin = Files.createDirectories(dir.resolve("helper-bin"));
        Path keychain = Files.writeString(dir.resolve("helper-keychain"), lab.registryPassword());
        Path script = bin.resolve("docker-credential-test");
        Files.writeString(script, "#!/bin/sh\naddr=$(cat)\n"
                + "if [ \"$addr\" = \"" + lab.authRegistry() + "\" ]; then\n"
                + "  printf '{\"Username\":\"" + lab.fact("LAB_REGISTRY_USER") + "\",\"Secret\":\"%s\"}' \"$(cat "
                + keychain + ")\"\n"
                + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config.resolve("config.json"), "{\"credHelpers\": {\"" + lab.authRegistry()
                + "\": \"test\"}}");
        for (String builder : List.of("buildkit", "classic")) {
            CliRun r = buildFromPrivate(env(config, bin), builder);
            assertThat(r.exit()).as(builder + ": " + r.err()).isZero();
            assertThat(r.err()).doesNotContain(lab.registryPassword());
        }
    }

    @Test
    void secretsFromAFileAndAVariableReachRunByteForByteAndStayOutOfTheImage() throws Exception {
        byte[] fileSecret = {'f', 0, 1, (byte) 0xfe, '\n', 'z'};
        String envSecret = "env-s3cret-" + CliRun.unique();
        Path secretFile = Files.write(dir.resolve("file.secret"), fileSecret);
        Path context = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + " AS b\n"
                + "RUN --mount=type=secret,id=f,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " --mount=type=secret,id=absent echo " + CliRun.unique() + " && mkdir /out && cp /run/secrets/f /out/f"
                + " && cp /run/secrets/API_TOKEN /out/e && test ! -e /run/secrets/absent\n"
                + "FROM scratch\nCOPY --from=b /out /\n");
        Path out = dir.resolve("secrets-out");
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("API_TOKEN", envSecret);
        env.put("DOCKER_CONFIG", dir.resolve("no-config").toString());

        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--network", "none",
                "--secret", "id=f,src=" + secretFile, "--secret", "env=API_TOKEN", "-o", out.toString(), "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(out.resolve("f"))).isEqualTo(fileSecret);
        assertThat(Files.readString(out.resolve("e"))).isEqualTo(envSecret);
        assertThat(r.json().path("output").asText()).isEqualTo(out.toString());
        assertThat(r.err()).doesNotContain(envSecret);

        // the same secret in a tagged image: the RUN step sees it, no layer or config keeps it
        Path tagged = Files.createDirectories(dir.resolve("secrets-image"));
        Files.writeString(tagged.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=secret,id=API_TOKEN,required=true test \"$(cat /run/secrets/API_TOKEN)\" = \""
                + "$(echo env-s3cret)-" + envSecret.substring("env-s3cret-".length()) + "\" && echo seen "
                + CliRun.unique() + "\n");
        String tag = lab.plainRegistry() + "/cli-test/secret-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        CliRun image = CliRun.runWith(env, "", "build", "--context", tagged.toString(), "--network", "none",
                "--secret", "id=API_TOKEN,env=API_TOKEN", "--tag", tag);
        assertThat(image.exit()).as(image.err()).isZero();
        assertThat(lab.docker("image", "inspect", tag)).doesNotContain(envSecret);
        assertThat(lab.docker("history", "--no-trunc", tag)).doesNotContain(envSecret);
        assertThat(lab.docker("save", tag)).doesNotContain(envSecret);
    }

    /** A RUN step that prints its secrets shows them masked: the CLI masks secret values as it masks passwords. */
    @Test
    void secretsARunStepPrintsAreMaskedInTheOutput() throws Exception {
        String fileSecret = "file-s3cret-" + CliRun.unique();
        String envSecret = "env-s3cret-" + CliRun.unique();
        Path secretFile = Files.writeString(dir.resolve("printed.secret"), fileSecret + "\n"); // as an editor saves it
        Path context = Files.createDirectories(dir.resolve("printed-secrets"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=secret,id=f,required=true --mount=type=secret,id=API_TOKEN,required=true"
                + " echo " + CliRun.unique() + " && cat /run/secrets/f && echo \"token: $(cat /run/secrets/API_TOKEN)\"\n");
        Map<String, String> env = new HashMap<>(CliRun.labEnv());
        env.put("API_TOKEN", envSecret);
        env.put("DOCKER_CONFIG", dir.resolve("no-config").toString());

        String tag = lab.plainRegistry() + "/cli-test/printed-secret-" + CliRun.unique() + ":1";
        CREATED.add(tag);
        CliRun r = CliRun.runWith(env, "", "build", "--context", context.toString(), "--network", "none",
                "--secret", "id=f,src=" + secretFile, "--secret", "env=API_TOKEN", "--tag", tag);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).as("the step's output is shown").contains("token: ****");
        assertThat(r.err()).doesNotContain(fileSecret).doesNotContain(envSecret);
    }

    @Test
    void sshKeysAreForwardedToRun() throws Exception {
        Path key = dir.resolve("id_ed25519");
        Lab.exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cli-test", "-f", key.toString()),
                null, true);
        Path context = Files.createDirectories(dir.resolve("ssh"));
        String run = CliRun.unique(); // steps of their own: never from the cache
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n"
                + "RUN --mount=type=ssh echo " + run + " && test -S \"$SSH_AUTH_SOCK\" && echo agent-at-$SSH_AUTH_SOCK\n"
                + "RUN --mount=type=ssh,id=deploy,required=true test -S \"$SSH_AUTH_SOCK\" && echo deploy-agent " + run + "\n");
        String tag = lab.plainRegistry() + "/cli-test/ssh-" + CliRun.unique() + ":1";
        CREATED.add(tag);

        CliRun r = CliRun.run("build", "--context", context.toString(), "--network", "none", "--tag", tag,
                "--ssh", "default=" + key, "--ssh", "deploy=" + key);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("agent-at-/run/buildkit/ssh_agent.", "deploy-agent").doesNotContain("PRIVATE");
    }

    @Test
    void localAndTarOutputsKeepLinksAsLinks() throws Exception {
        Path context = Files.createDirectories(dir.resolve("outputs"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + lab.baseImage() + " AS b\n"
                + "RUN echo " + CliRun.unique() + " && mkdir -p /out/sub && echo hello > /out/sub/a && ln -s sub/a /out/link\n"
                + "FROM scratch\nCOPY --from=b /out /\n");
        Path local = dir.resolve("local-out");

        CliRun toDir = CliRun.run("build", "--context", context.toString(), "--network", "none", "--output",
                "type=local,dest=" + local);

        assertThat(toDir.exit()).as(toDir.err()).isZero();
        assertThat(Files.readString(local.resolve("sub/a"))).isEqualTo("hello\n");
        assertThat(Files.isSymbolicLink(local.resolve("link"))).isTrue();
        assertThat(Files.readSymbolicLink(local.resolve("link"))).isEqualTo(Path.of("sub/a"));
        assertThat(toDir.out()).as("no image id without a tag").isEmpty();

        Path tar = dir.resolve("out.tar");
        CliRun toTar = CliRun.run("build", "--context", context.toString(), "--network", "none", "-o",
                "type=tar,dest=" + tar);

        assertThat(toTar.exit()).as(toTar.err()).isZero();
        Set<String> entries = new HashSet<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
                String name = e.getName().replaceAll("^\\./", "").replaceAll("/$", "");
                entries.add(name);
                if (name.equals("link")) {
                    assertThat(e.isSymbolicLink()).isTrue();
                    assertThat(e.getLinkName()).isEqualTo("sub/a");
                }
            }
        }
        assertThat(entries).contains("sub/a", "link");
    }
}
