package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMasksTest {

    @Test
    void aValueIsMaskedWholeAndByItsLinesOfFourOrMoreLongestFirst() {
        String json = "{\n  \"token\": \"abc123\",\n  \"k\": 1\n}\n";
        assertThat(SecretMasks.of(Arrays.asList(json, null, "", "pw")))
                .containsExactly(json, "\"token\": \"abc123\",", "\"k\": 1", "pw");
    }

    @Test
    void onlyUtf8TextCanShowInALog() {
        assertThat(SecretMasks.text("clé".getBytes(StandardCharsets.UTF_8))).isEqualTo("clé");
        assertThat(SecretMasks.text(new byte[] {(byte) 0xff, 0x00, (byte) 0xfe})).isNull();
        assertThat(SecretMasks.of(List.of())).isEmpty();
    }
}
