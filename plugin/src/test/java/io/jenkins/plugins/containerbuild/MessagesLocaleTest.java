package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jvnet.localizer.LocaleProvider;

/**
 * Messages follow the locale Jenkins serves the request in ({@link LocaleProvider}, which Jenkins points at the
 * current HTTP request), not the controller JVM's default; keys missing from a translation fall back to English.
 */
class MessagesLocaleTest {

    @AfterEach
    void resetProvider() {
        LocaleProvider.setProvider(LocaleProvider.DEFAULT);
    }

    @Test
    void theRequestLocaleChoosesTheTranslation() {
        String english = Messages.ContainerBuildStep_DisplayName();
        LocaleProvider.setProvider(new LocaleProvider() {
            @Override
            public Locale get() {
                return Locale.of("qa");
            }
        });
        assertThat(Messages.ContainerBuildStep_DisplayName()).isEqualTo("[qa] Build a container image");
        // a key the pseudo-translation lacks comes from Messages.properties
        assertThat(Messages.ContainerPushStep_DisplayName()).isNotBlank().doesNotStartWith("[qa]");
        assertThat(english).doesNotStartWith("[qa]");
    }
}
