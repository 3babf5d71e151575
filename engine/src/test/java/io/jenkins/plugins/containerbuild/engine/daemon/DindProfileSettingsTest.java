package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the two DinD security profiles ask of the host daemon, read back from the created container
 * ({@code GET /containers/{id}/json}, through {@code docker inspect}). The privileged profile cannot start on this
 * machine (its bounding set lacks CAP_SYS_RESOURCE), so its container is created and inspected, never started.
 */
class DindProfileSettingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Lab lab = Lab.get();

    private JsonNode createAndInspect(DindOptions.SecurityProfile profile) throws Exception {
        String owner = "DindProfileSettingsTest-" + UUID.randomUUID();
        DindOptions options = DindOptions.of(lab.dindImage()).withSecurity(profile).withOwner(owner);
        try (DaemonConnection host = DaemonConnection.open(lab.dood(), Timeouts.defaults())) {
            String id = DindSidecar.create(host, options, Map.of(DindSidecar.OWNER_LABEL, owner,
                    DindSidecar.ROLE_LABEL, "dind", DindSidecar.SIDECAR_LABEL, owner));
            try {
                return JSON.readTree(lab.docker("inspect", id)).get(0);
            } finally {
                lab.docker("rm", "-f", "-v", id);
            }
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void privilegedIsPrivilegedInTheHostNetworkWithTlsOnly() throws Exception {
        JsonNode c = createAndInspect(DindOptions.SecurityProfile.PRIVILEGED);
        JsonNode hc = c.get("HostConfig");
        assertThat(hc.get("Privileged").asBoolean()).isTrue();
        assertThat(hc.get("NetworkMode").asText()).isEqualTo("host");
        assertThat(texts(hc.path("CapAdd"))).isEmpty();
        assertThat(hc.path("PortBindings").isEmpty()).as("nothing published").isTrue();
        assertThat(texts(c.get("Config").get("Cmd"))).contains("--tlsverify", "tcp://127.0.0.1:0")
                .doesNotContain("tcp://0.0.0.0:2375", "tcp://0.0.0.0:2376");
        assertThat(c.get("State").get("Status").asText()).isEqualTo("created");
    }

    @Test
    void capabilitiesGivesEveryCapabilityButSysResourceUnconfined() throws Exception {
        JsonNode c = createAndInspect(DindOptions.SecurityProfile.CAPABILITIES);
        JsonNode hc = c.get("HostConfig");
        assertThat(hc.get("Privileged").asBoolean()).isFalse();
        assertThat(hc.get("NetworkMode").asText()).isEqualTo("host");
        assertThat(texts(hc.get("CapAdd"))).containsExactly("ALL");
        assertThat(texts(hc.path("CapDrop"))).as("20.10 takes the drop; 23 and later leave out what is missing")
                .isSubsetOf("SYS_RESOURCE");
        assertThat(texts(hc.get("SecurityOpt"))).contains("seccomp=unconfined", "apparmor=unconfined");
        assertThat(texts(hc.path("MaskedPaths"))).as("systempaths=unconfined").isEmpty();
        assertThat(texts(hc.path("ReadonlyPaths"))).isEmpty();
        assertThat(texts(hc.get("DeviceCgroupRules"))).containsExactly("a *:* rwm");
        assertThat(texts(hc.get("Binds"))).contains("/sys/fs/cgroup:/sys/fs/cgroup:rw");
        assertThat(hc.path("PortBindings").isEmpty()).isTrue();
        assertThat(texts(c.get("Config").get("Cmd"))).contains("--tlsverify", "tcp://127.0.0.1:0");
    }
}
