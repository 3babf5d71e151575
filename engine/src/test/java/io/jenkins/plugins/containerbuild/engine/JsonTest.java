package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streaming JSON reader and writer give the trees and text ObjectMapper gives. */
class JsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheSameTreesAsObjectMapper() throws IOException {
        String doc = "{\"a\":[1,2147483648,12345678901234567890123,1.5,-0.25e3,true,false,null,\"x\\u00e9\\n\"],"
                + "\"o\":{\"k\":{}},\"dup\":1,\"dup\":2,\"e\":[]}";
        assertThat(Json.read(in(doc))).isEqualTo(MAPPER.readTree(doc));
        assertThat(Json.read(doc.getBytes(StandardCharsets.UTF_8))).isEqualTo(MAPPER.readTree(doc));
        assertThat(Json.read(in(doc)).path("dup").asInt()).isEqualTo(2);
    }

    @Test
    void emptyInputIsMissingAndBadInputFails() throws IOException {
        assertThat(Json.read(in("")).isMissingNode()).isTrue();
        assertThat(Json.read(in("404 page not found")).path("message").asText("text")).isEqualTo("text");
        assertThatThrownBy(() -> Json.read(in("<html>"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Json.read(in("{\"a\":"))).isInstanceOf(IOException.class);
    }

    @Test
    void readsAStreamOfValuesOneByOne() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (Json.Values values = Json.values(in("{\"stream\":\"Step 1/2\\n\"}\r\n{\"aux\":{\"ID\":\"sha256:1\"}}\n\n[1]"))) {
            while (values.hasNext()) {
                lines.add(values.next());
            }
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).path("stream").asText()).isEqualTo("Step 1/2\n");
        assertThat(lines.get(1).path("aux").path("ID").asText()).isEqualTo("sha256:1");
        assertThat(lines.get(2).get(0).asInt()).isEqualTo(1);
    }

    @Test
    void aTruncatedStreamFailsWhereItBreaks() throws IOException {
        try (Json.Values values = Json.values(in("{\"status\":\"Pushing\"}\n{\"status\":\"Pu"))) {
            assertThat(values.next().path("status").asText()).isEqualTo("Pushing");
            assertThatThrownBy(values::next).isInstanceOf(IOException.class);
        }
    }

    @Test
    void writesWhatObjectMapperWrites() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quote\"and\\", "line\nbreak \u0001 é");
        m.put("list", List.of("a", "b"));
        m.put("n", 42L);
        m.put("i", 7);
        m.put("t", true);
        m.put("none", null);
        m.put("nested", Map.of("k", "v"));
        assertThat(Json.write(m)).isEqualTo(MAPPER.writeValueAsString(m));
        assertThat(Json.write(List.of())).isEqualTo("[]");
        assertThat(Json.write(Map.of())).isEqualTo("{}");
    }
}
