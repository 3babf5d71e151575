package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.thoughtworks.xstream.XStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.kohsuke.stapler.export.Exported;

/**
 * The run action as Jenkins keeps it in build.xml: through the real XStream, in today's form and in the form saved
 * before pushes were recorded, and while {@code parallel} branches add to it as the build is saved.
 */
class ContainerBuildActionPersistenceTest {

    private static XStream xstream() {
        XStream x = new XStream();
        x.allowTypesByWildcard(new String[] {"io.jenkins.plugins.containerbuild.**"});
        return x;
    }

    private static String id(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    @Test
    void roundTripsThroughXStream() {
        ContainerBuildAction action = new ContainerBuildAction();
        BuiltImage built = new BuiltImage(id('a'), List.of("app:1", "app:latest"), 1234);
        action.built(new BuildOutcome(built, List.of(new ImageLayer("COPY . /app", 1000), new ImageLayer("RUN x", 234))));
        action.pushed(built, Map.of("localhost:5000/app:1", id('b')));
        action.pushed(null, Map.of("localhost:5000/other:2", id('c')));

        String xml = xstream().toXML(action);
        ContainerBuildAction back = (ContainerBuildAction) xstream().fromXML(xml);

        assertThat(back.getImages()).hasSize(2);
        ImageRecord first = back.getImages().get(0);
        assertThat(first.getImageId()).isEqualTo(id('a'));
        assertThat(first.getTags()).containsExactly("app:1", "app:latest");
        assertThat(first.getSize()).isEqualTo(1234);
        assertThat(first.getLayers()).containsExactly(new ImageLayer("COPY . /app", 1000), new ImageLayer("RUN x", 234));
        assertThat(first.getPushed()).extracting(ImageRecord.PushedTag::getTag, ImageRecord.PushedTag::getDigest)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("localhost:5000/app:1", id('b')));
        assertThat(back.getImages().get(1).getImageId()).isNull();
        assertThat(xstream().toXML(back)).isEqualTo(xml);
    }

    /** A build.xml written before records had layers and pushed digests loads with none, and takes pushes. */
    @Test
    void loadsARecordSavedBeforeLayersAndDigestsExisted() {
        String old = """
                <io.jenkins.plugins.containerbuild.ContainerBuildAction>
                  <images>
                    <io.jenkins.plugins.containerbuild.ImageRecord>
                      <imageId>%s</imageId>
                      <tags><string>app:1</string></tags>
                      <size>42</size>
                    </io.jenkins.plugins.containerbuild.ImageRecord>
                  </images>
                </io.jenkins.plugins.containerbuild.ContainerBuildAction>
                """.formatted(id('d'));
        ContainerBuildAction action = (ContainerBuildAction) xstream().fromXML(old);

        ImageRecord r = action.getImages().get(0);
        assertThat(r.getLayers()).isEmpty();
        assertThat(r.getPushed()).isEmpty();
        assertThat(r.getLayersSvg()).contains("<svg");

        action.pushed(new BuiltImage(id('d'), List.of("app:1"), 42), Map.of("localhost:5000/app:1", id('e')));
        assertThat(action.getImages()).hasSize(1);
        assertThat(action.getImages().get(0).getPushed()).extracting(ImageRecord.PushedTag::getDigest)
                .containsExactly(id('e'));
    }

    /**
     * Branches of a {@code parallel} record images while the build is saved: XStream walks the action's lists with
     * no lock, so nothing it walks may change under it.
     */
    @Test
    @Timeout(120)
    void savingWhileParallelBranchesRecordNeverFails() throws Exception {
        ContainerBuildAction action = new ContainerBuildAction();
        int branches = 3;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger recorded = new java.util.concurrent.atomic.AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int b = 0; b < branches; b++) {
            int branch = b;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    // each branch records a fixed number of images while the saver saves again and again
                    for (int i = 0; !stop.get() && i < 20_000; i++) {
                        BuiltImage img = new BuiltImage(id((char) ('a' + branch)), List.of("b" + branch + ":" + i), i);
                        action.built(new BuildOutcome(img, List.of(new ImageLayer("RUN " + i, i))));
                        action.pushed(img, Map.of("localhost:5000/b" + branch + ":" + i, id('f')));
                        recorded.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        XStream x = xstream();
        x.toXML(action); // XStream's first use is slow: not while the branches run
        start.countDown();
        int saves = 0;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            try {
                x.toXML(action);
                saves++;
            } catch (RuntimeException e) {
                failures.add(e);
                break;
            }
        }
        stop.set(true);
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(60))).isTrue();
        }
        assertThat(failures).isEmpty();
        assertThat(saves).as("saves while the branches recorded").isGreaterThanOrEqualTo(2);
        assertThat(action.getImages()).hasSize(recorded.get());
        assertThat(action.getImages()).allSatisfy(r -> assertThat(r.getPushed()).hasSize(1));
        ContainerBuildAction back = (ContainerBuildAction) x.fromXML(x.toXML(action));
        assertThat(back.getImages()).hasSize(recorded.get());
    }

    /** Under a build's actions the remote API shows visibility 2 and up at its default depth (as CauseAction does). */
    @Test
    void imagesAreExportedAtTheDepthOfABuildsActions() throws Exception {
        Exported e = ContainerBuildAction.class.getMethod("getImages").getAnnotation(Exported.class);
        assertThat(e).isNotNull();
        assertThat(e.visibility()).isGreaterThanOrEqualTo(2);
        assertThat(e.inline()).isTrue();
    }
}
