package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Docker writes the build args a RUN step sees into the layer history in plain text, and an ENV from an ARG shows
 * its value: the engine's result masks the request's build-arg values there, and caps the text.
 */
class BuildArgHistoryTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void buildArgValuesAreMaskedInTheLayerHistory(BuilderKind kind, @TempDir Path dir) throws Exception {
        String token = LabSupport.unique("tok-s3cret");
        String tag = LabSupport.unique("cb-it-history") + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nARG TOKEN\nARG N\nENV COPY_OF_TOKEN=$TOKEN\n"
                + "RUN echo \"$N\" > /n\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none")
                    .buildArg("TOKEN", token).buildArg("N", "1").build());
            assertThat(lab.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag))
                    .as("the daemon itself records the value (the test's premise)").contains(token);
            assertThat(built.layers()).isNotEmpty().allSatisfy(l -> assertThat(l.createdBy()).doesNotContain(token));
            assertThat(built.layers()).anySatisfy(l -> assertThat(l.createdBy()).contains("TOKEN=****"));
            assertThat(built.layers()).anySatisfy(l -> assertThat(l.createdBy()).contains("N=****"));
        } finally {
            LabSupport.removeImages(tag);
        }
    }

    @Test
    void shortValuesAreMaskedOnlyAfterTheirNameAndLongTextsAreCut() {
        assertThat(LayerHistory.mask("RUN |2 N=1 TOKEN=abcdef /bin/sh -c echo 1 abcdef",
                Map.of("N", "1", "TOKEN", "abcdef"))).isEqualTo("RUN |2 N=**** TOKEN=**** /bin/sh -c echo 1 ****");
        assertThat(LayerHistory.mask("ENV A=abcd-longer abcd", Map.of("X", "abcd", "Y", "abcd-longer")))
                .isEqualTo("ENV A=**** ****");
        String cut = LayerHistory.mask("RUN " + "x".repeat(10_000), Map.of());
        assertThat(cut).hasSize(LayerHistory.MAX_CREATED_BY).endsWith("...");
    }
}
