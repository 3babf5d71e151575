package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The credential headers in the exact form the daemon decodes (moby's build router and DecodeAuthConfig). */
class RegistryAuthHeadersTest {

    private static JsonNode decode(String header) throws Exception {
        // the daemon decodes with Go's base64.URLEncoding: the URL alphabet, padded
        assertThat(header).matches("[A-Za-z0-9_=-]*").doesNotContain("+").doesNotContain("/");
        assertThat(header.length() % 4).as("padded").isZero();
        return new ObjectMapper().readTree(Base64.getUrlDecoder().decode(header));
    }

    @Test
    void registryConfigHoldsTheGivenHostsOnlyKeyedAsTheDaemonLooksThemUp() throws Exception {
        Map<String, RegistryCredentials> byHost = new LinkedHashMap<>();
        byHost.put("localhost:5001", new RegistryCredentials("ci", "p?ss>w~rd"));
        byHost.put("docker.io", new RegistryCredentials("hubuser", "hubpass"));
        byHost.put("ghcr.io", RegistryCredentials.ofIdentityToken("refresh-token"));
        JsonNode json = decode(RegistryAuthHeaders.registryConfig(byHost));
        List<String> keys = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactlyInAnyOrder("localhost:5001", "https://index.docker.io/v1/", "ghcr.io");
        assertThat(json.get("localhost:5001").get("username").asText()).isEqualTo("ci");
        assertThat(json.get("localhost:5001").get("password").asText()).isEqualTo("p?ss>w~rd");
        assertThat(json.get("localhost:5001").get("serveraddress").asText()).isEqualTo("localhost:5001");
        assertThat(json.get("https://index.docker.io/v1/").get("serveraddress").asText())
                .isEqualTo("https://index.docker.io/v1/");
        JsonNode token = json.get("ghcr.io");
        assertThat(token.get("identitytoken").asText()).isEqualTo("refresh-token");
        assertThat(token.has("username")).isFalse();
        assertThat(token.has("password")).isFalse();
    }

    @Test
    void registryAuthCarriesAnIdentityTokenAsSuch() throws Exception {
        JsonNode json = decode(RegistryAuthHeaders.registryAuth("registry.example.com",
                RegistryCredentials.ofIdentityToken("tok")));
        assertThat(json.get("identitytoken").asText()).isEqualTo("tok");
        assertThat(json.get("serveraddress").asText()).isEqualTo("registry.example.com");
        assertThat(decode(RegistryAuthHeaders.registryAuth("docker.io", null)).size()).isZero();
    }
}
