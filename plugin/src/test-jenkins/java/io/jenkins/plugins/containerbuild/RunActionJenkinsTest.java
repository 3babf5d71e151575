package io.jenkins.plugins.containerbuild;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The run action in a real Jenkins (runs only with {@code -Pjenkins-repo}): its images show in the build's remote API
 * at the default depth, and saving the build while other threads record images (as {@code parallel} branches do)
 * neither fails nor loses a record. Offline, ContainerBuildActionPersistenceTest checks the same with XStream.
 */
@WithJenkins
class RunActionJenkinsTest {

    private static String id(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    @Test
    void imagesAreInTheBuildsRemoteApiAtTheDefaultDepth(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject();
        FreeStyleBuild b = r.buildAndAssertSuccess(p);
        BuiltImage img = new BuiltImage(id('a'), List.of("app:1"), 10);
        ContainerBuildAction.of(b).built(new BuildOutcome(img, List.of()));
        ContainerBuildAction.of(b).pushed(img, Map.of("localhost:5000/app:1", id('b')));

        String json = r.getJSON(b.getUrl() + "api/json").getJSONObject().toString();

        assertThat(json, containsString(id('a')));
        assertThat(json, containsString("localhost:5000/app:1"));
        assertThat(json, containsString(id('b')));
    }

    @Test
    void savingTheBuildWhileBranchesRecordImages(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject();
        FreeStyleBuild b = r.buildAndAssertSuccess(p);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> branches = new ArrayList<>();
        int[] counts = new int[3];
        for (int t = 0; t < counts.length; t++) {
            int branch = t;
            branches.add(new Thread(() -> {
                try {
                    for (int i = 0; !stop.get() && i < 5000; i++) {
                        BuiltImage img = new BuiltImage(id((char) ('a' + branch)), List.of("b" + branch + ":" + i), i);
                        ContainerBuildAction.of(b).built(new BuildOutcome(img, List.of()));
                        counts[branch]++;
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        branches.forEach(Thread::start);
        for (int save = 0; save < 50; save++) {
            b.save();
        }
        stop.set(true);
        for (Thread t : branches) {
            t.join();
        }
        b.save();
        assertThat(failures, is(empty()));

        FreeStyleBuild reloaded = p.getBuildByNumber(b.getNumber());
        b.reload();
        assertThat(b.getAction(ContainerBuildAction.class).getImages(),
                hasSize(counts[0] + counts[1] + counts[2]));
        assertThat(reloaded.getNumber(), is(b.getNumber()));
    }
}
