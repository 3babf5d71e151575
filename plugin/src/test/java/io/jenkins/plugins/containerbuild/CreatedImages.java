package io.jenkins.plugins.containerbuild;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The images a test made on the lab's daemon, removed after each test whatever its outcome. Register it with
 * {@code @RegisterExtension final CreatedImages created = new CreatedImages();} and add every tag or id made.
 */
final class CreatedImages implements AfterEachCallback {

    private final List<String> images = new ArrayList<>();

    void add(String image) {
        images.add(image);
    }

    void addAll(Collection<String> more) {
        images.addAll(more);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Lab lab = Lab.get();
        for (String image : images) {
            lab.run(null, "rmi", "-f", image);
        }
        images.clear();
    }
}
