package io.jenkins.plugins.containerbuild;

import hudson.model.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.export.Exported;
import org.kohsuke.stapler.export.ExportedBean;

/**
 * The images of a build, on the build page ({@code summary.jelly}), on a page of their own ({@code index.jelly},
 * with the layer chart) and in the remote API ({@code .../api/json?tree=actions[images[*]]}). One action per
 * build; every {@code containerBuild} and {@code containerPush} of the build adds to it.
 */
@ExportedBean
public final class ContainerBuildAction implements RunAction2 {

    static final String URL_NAME = "container-images";

    private final List<ImageRecord> images = new ArrayList<>();
    private transient Run<?, ?> run;

    ContainerBuildAction() {}

    /** The action of {@code run}, added to it on first use. */
    static ContainerBuildAction of(Run<?, ?> run) {
        synchronized (run) {
            ContainerBuildAction a = run.getAction(ContainerBuildAction.class);
            if (a == null) {
                a = new ContainerBuildAction();
                run.addAction(a);
            }
            return a;
        }
    }

    /** Records a build's result. */
    synchronized void built(BuildOutcome outcome) {
        BuiltImage i = outcome.image();
        images.add(new ImageRecord(i.getImageId(), i.getTags(), i.getSize(), outcome.layers()));
    }

    /** Records pushed digests with the image they came from, or as an image of their own. */
    synchronized void pushed(BuiltImage image, Map<String, String> digests) {
        if (digests.isEmpty()) {
            return;
        }
        ImageRecord target = null;
        if (image != null) {
            for (int k = images.size() - 1; k >= 0 && target == null; k--) {
                if (image.getImageId().equals(images.get(k).getImageId())) {
                    target = images.get(k);
                }
            }
        }
        if (target == null) {
            target = new ImageRecord(image == null ? null : image.getImageId(), List.copyOf(digests.keySet()),
                    image == null ? 0 : image.getSize(), List.of());
            images.add(target);
        }
        target.pushed(digests);
    }

    @Exported(inline = true)
    public synchronized List<ImageRecord> getImages() {
        return List.copyOf(images);
    }

    /** The build this action belongs to, for the page's breadcrumbs. */
    public Run<?, ?> getRun() {
        return run;
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public String getIconFileName() {
        return "symbol-cube";
    }

    @Override
    public String getDisplayName() {
        return Messages.ContainerBuildAction_DisplayName();
    }

    @Override
    public String getUrlName() {
        return URL_NAME;
    }
}
