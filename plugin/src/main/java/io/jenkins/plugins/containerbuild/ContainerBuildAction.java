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

    /**
     * Guards the read-modify-write of {@link #images} and the first-use lookup in {@link #of}: private, so that no
     * lock of Jenkins' own (the Run's monitor) is taken, and static, so that nothing needs restoring after XStream
     * loads an action.
     */
    private static final Object LOCK = new Object();

    /**
     * Copy on write: a list, once published here, is never changed again, so XStream may walk it while {@code
     * parallel} branches add images (it reads fields without any lock). Replaced as a whole under {@link #LOCK}.
     */
    private volatile List<ImageRecord> images = new ArrayList<>();
    private transient Run<?, ?> run;

    ContainerBuildAction() {}

    /** The action of {@code run}, added to it on first use. */
    static ContainerBuildAction of(Run<?, ?> run) {
        synchronized (LOCK) {
            ContainerBuildAction a = run.getAction(ContainerBuildAction.class);
            if (a == null) {
                a = new ContainerBuildAction();
                run.addAction(a);
            }
            return a;
        }
    }

    /** Records a build's result. */
    void built(BuildOutcome outcome) {
        BuiltImage i = outcome.image();
        ImageRecord record = new ImageRecord(i.getImageId(), i.getTags(), i.getSize(), outcome.layers());
        synchronized (LOCK) {
            List<ImageRecord> next = new ArrayList<>(images);
            next.add(record);
            images = next;
        }
    }

    /** Records pushed digests with the image they came from, or as an image of their own. */
    void pushed(BuiltImage image, Map<String, String> digests) {
        if (digests.isEmpty()) {
            return;
        }
        synchronized (LOCK) {
            List<ImageRecord> next = new ArrayList<>(images);
            int target = -1;
            if (image != null && image.getImageId() != null) {
                for (int k = next.size() - 1; k >= 0 && target < 0; k--) {
                    if (image.getImageId().equals(next.get(k).getImageId())) {
                        target = k;
                    }
                }
            }
            if (target < 0) {
                next.add(new ImageRecord(image == null ? null : image.getImageId(), List.copyOf(digests.keySet()),
                        image == null ? 0 : image.getSize(), List.of()).withPushed(digests));
            } else {
                next.set(target, next.get(target).withPushed(digests));
            }
            images = next;
        }
    }

    /**
     * Visibility 2, as {@code CauseAction} exports its causes: under a build's {@code actions}, the remote API's
     * default depth shows only properties of visibility 2 and more, so {@code .../api/json} lists the images.
     */
    @Exported(visibility = 2, inline = true)
    public List<ImageRecord> getImages() {
        List<ImageRecord> current = images;
        return current == null ? List.of() : List.copyOf(current);
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
