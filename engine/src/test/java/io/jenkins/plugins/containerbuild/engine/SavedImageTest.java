package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control for every "in no layer and no image config" check built on {@link SavedImage}: a secret copied into a
 * layer, and one whose base64 is in a label of the config, are both found; an
 * image without them passes.
 */
class SavedImageTest {

    private final Lab lab = Lab.get();

    @Test
    void theSearchFindsASecretInALayerAndItsBase64InTheConfig(@TempDir Path dir) throws Exception {
        byte[] inLayer = ("layer-" + LabSupport.unique("secret")).getBytes(StandardCharsets.US_ASCII);
        byte[] inConfig = ("config-" + LabSupport.unique("secret")).getBytes(StandardCharsets.US_ASCII);
        byte[] absent = ("absent-" + LabSupport.unique("secret")).getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve("leaked"), inLayer);
        String tag = LabSupport.unique("it/saved-image") + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY leaked /leaked\n"
                + "LABEL note=\"x" + Base64.getEncoder().encodeToString(inConfig) + "\"\n");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            try {
                engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
                SavedImage image = SavedImage.of(lab.hostSocket(), tag);
                assertThat(image.file("leaked")).isEqualTo(inLayer);
                assertThat(catchThrowable(() -> image.assertHoldsNo("the layer's secret", inLayer)))
                        .isInstanceOf(AssertionError.class).hasMessageContaining("the layer's secret")
                        .hasMessageNotContaining(new String(inLayer, StandardCharsets.US_ASCII));
                assertThat(catchThrowable(() -> image.assertHoldsNo("the label's secret", inConfig)))
                        .isInstanceOf(AssertionError.class).hasMessageContaining("the label's secret");
                image.assertHoldsNo("a secret the image never had", absent);
            } finally {
                engine.remove(tag);
            }
        }
    }
}
