package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds (and pushes) in a DinD sidecar on the host daemon; the sidecar must be gone afterwards. */
class DindTest {

    private static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";

    @TempDir
    Path dir;

    private static Lab lab;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    private static void assertNoSidecarLeft(String sidecarId) {
        assertThat(lab.docker("ps", "-a", "--filter", "id=" + sidecarId, "-q").strip()).isEmpty();
        // the CLI's own sidecars; other owners may belong to tests running at the same time
        assertThat(lab.docker("ps", "-a", "--filter", "label=" + OWNER_LABEL + "=" + DaemonSelection.DIND_OWNER,
                "-q").strip()).isEmpty();
    }

    @Test
    void buildsInACapabilitiesSidecarAndRemovesIt() {
        String tag = lab.plainRegistry() + "/cli-test/dind-" + CliRun.unique() + ":1";
        Path context = CliRun.context(dir, lab.registryBaseImage(), "inside-dind");

        CliRun r = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none",
                "--dind", lab.dindImage(), "--dind-security", "capabilities", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().path("imageId").asText()).startsWith("sha256:");
        assertThat(r.err()).contains("Starting DinD sidecar from " + lab.dindImage(), "    | inside-dind");
        String sidecar = CliRun.sidecarId(r.err());
        assertThat(r.err()).contains("DinD sidecar " + sidecar + " removed");
        assertNoSidecarLeft(sidecar);
        assertThat(lab.docker("ps", "-a", "--filter", "label=" + OWNER_LABEL, "-q").strip())
                .doesNotContain(sidecar);
        // the image lived in the sidecar only
        Lab.Result inspect = Lab.exec(java.util.List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket(),
                "image", "inspect", tag), null, false);
        assertThat(inspect.exitCode()).isNotZero();
        assertThat(inspect.stderr()).contains("No such image");
    }

    @Test
    void buildThenPushThroughSidecarsSharingACacheVolume() throws Exception {
        String id = CliRun.unique();
        String volume = "cli-test-dind-" + id;
        String repo = "cli-test/dind-push-" + id;
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        Path context = CliRun.context(dir, lab.registryBaseImage(), "cached-" + id);
        try {
            CliRun build = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none",
                    "--dind", lab.dindImage(), "--dind-security", "capabilities", "--dind-cache", volume);
            assertThat(build.exit()).as(build.err()).isZero();
            assertNoSidecarLeft(CliRun.sidecarId(build.err()));

            CliRun push = CliRun.run("push", "--tag", tag, "--json",
                    "--dind", lab.dindImage(), "--dind-security", "capabilities", "--dind-cache", volume);

            assertThat(push.exit()).as(push.err()).isZero();
            String digest = push.json().path("digests").path(tag).asText();
            assertThat(digest).isEqualTo(CliRun.registryDigest(lab.plainRegistry(), repo, "1", null));
            assertNoSidecarLeft(CliRun.sidecarId(push.err()));
        } finally {
            lab.run(null, "volume", "rm", "-f", volume);
        }
    }
}
