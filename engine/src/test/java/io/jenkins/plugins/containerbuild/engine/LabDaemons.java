package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The lab's daemons as sources of parameterised tests ({@code @MethodSource("...LabDaemons#full")}). The whole
 * matrix runs on Engine 20.10 and on 26.1 with the classic image store; the containerd image store, whose
 * differences are in image ids and push replies, runs the push, session and build-result tests
 * ({@link #everyStore()}). Podman joins the tests whose promises it can keep ({@link #everyStoreAndPodman()}):
 * builds through the tar upload and pushes; not the BuildKit session, DinD or fault injection on the daemon's
 * connection. Each is read from the running lab's {@code lab.env}: a missing daemon fails the test.
 */
final class LabDaemons {

    private LabDaemons() {}

    /** Engine 20.10 and 26.1 with the classic store: for the whole matrix. */
    static Stream<Lab.Daemon> full() {
        Lab lab = Lab.get();
        return Stream.of(lab.engine20(), lab.engine26Classic());
    }

    /** Every daemon, the containerd image store included: for push, session and build-result tests. */
    static Stream<Lab.Daemon> everyStore() {
        Lab lab = Lab.get();
        return Stream.of(lab.engine20(), lab.engine26Classic(), lab.engine26Containerd());
    }

    /** Every Docker daemon and the lab's Podman, as root and rootless: for push tests and plain builds. */
    static Stream<Lab.Daemon> everyStoreAndPodman() {
        return Stream.concat(everyStore(), Stream.of(Lab.get().podman(), Lab.get().podmanRootless()));
    }

    /** {@link #full()} and the lab's Podman, as root and rootless: for promises the whole matrix keeps, Podman too. */
    static Stream<Lab.Daemon> fullAndPodman() {
        return Stream.concat(full(), Stream.of(Lab.get().podman(), Lab.get().podmanRootless()));
    }

    /** {@link #everyStoreAndPodman()} times both builders (Podman builds with Buildah for either). */
    static Stream<Arguments> everyStoreAndPodmanWithBuilders() {
        return everyStoreAndPodman().flatMap(d -> Stream.of(BuilderKind.values()).map(k -> Arguments.of(d, k)));
    }

    /** {@link #full()} times both builders. */
    static Stream<Arguments> fullWithBuilders() {
        return full().flatMap(d -> Stream.of(BuilderKind.values()).map(k -> Arguments.of(d, k)));
    }

    /** {@link #everyStore()} times both builders. */
    static Stream<Arguments> everyStoreWithBuilders() {
        return everyStore().flatMap(d -> Stream.of(BuilderKind.values()).map(k -> Arguments.of(d, k)));
    }
}
