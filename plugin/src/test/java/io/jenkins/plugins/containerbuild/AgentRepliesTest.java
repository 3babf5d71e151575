package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an agent sends back is bounded before the controller stores it. */
class AgentRepliesTest {

    @Test
    void layersAreCappedInNumberAndText() {
        List<ImageLayer> layers = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            layers.add(new ImageLayer("RUN step " + i + " " + "x".repeat(i == 4999 ? 100_000 : 0), i));
        }
        BuildOutcome bounded = AgentReplies.bounded(new BuildOutcome(new BuiltImage("sha256:" + "a".repeat(64),
                List.of("app:1"), 1), layers));
        assertThat(bounded.layers()).hasSize(AgentReplies.MAX_LAYERS);
        assertThat(bounded.layers().get(0).getCreatedBy()).startsWith("RUN step " + (5000 - AgentReplies.MAX_LAYERS) + " ");
        assertThat(bounded.layers().get(AgentReplies.MAX_LAYERS - 1).getCreatedBy())
                .hasSize(AgentReplies.MAX_CREATED_BY).endsWith("...");
    }

    @Test
    void onlyDigestsOfPushedTagsAreKept() {
        String d = "sha256:" + "b".repeat(64);
        Map<String, String> fromAgent = new java.util.LinkedHashMap<>();
        fromAgent.put("reg/app:1", d);
        fromAgent.put("reg/app:2", "not a digest " + "z".repeat(10_000));
        for (int i = 0; i < 10_000; i++) {
            fromAgent.put("reg/never-pushed:" + i, d);
        }
        assertThat(AgentReplies.bounded(fromAgent, List.of("reg/app:1", "reg/app:2")))
                .containsExactly(Map.entry("reg/app:1", d));
    }
}
