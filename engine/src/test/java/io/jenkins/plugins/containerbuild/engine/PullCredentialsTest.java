package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Private base images: the daemon pulls them with the credentials given for their registry (classic builder:
 * {@code X-Registry-Config}; BuildKit: the session's auth service), fails without them, and no other registry is
 * sent anything. On every lab daemon: Engine 20.10 and 26.1 with both image stores.
 */
class PullCredentialsTest {

    private final Lab lab = Lab.get();

    /**
     * Pushes an image of its own (busybox plus a marker file) to {@code registry} and removes it from the daemon, so
     * that a build FROM it must pull it; returns its reference.
     */
    private String pushPrivateBase(Lab.Daemon daemon, String registry, String marker, Path dir) throws Exception {
        String ref = registry + "/" + LabSupport.unique("it/private-base") + ":1";
        java.nio.file.Files.createDirectories(dir);
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nCOPY marker /marker\n", "marker", marker);
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            String id = engine.build(BuildRequest.builder(dir).tag(ref).networkMode("none").build()).imageId();
            try {
                engine.push(PushRequest.builder().tag(ref).credentials(lab.registryCredentials()).build());
            } finally {
                engine.remove(ref);
                engine.remove(id);
            }
            assertThat(engine.inspect(ref)).as("%s is only in the registry now", ref).isEmpty();
            assertThat(engine.inspect(id)).isEmpty();
        }
        return ref;
    }

    private BuildRequest.Builder buildFrom(Path dir, String base, String marker, BuilderKind kind) throws Exception {
        LabSupport.context(dir, "FROM " + base + "\nRUN test \"$(cat /marker)\" = \"" + marker + "\"\n");
        return BuildRequest.builder(dir).builderKind(kind).pull(true).networkMode("none");
    }

    static Stream<Arguments> labRegistries() {
        return LabDaemons.everyStore().flatMap(d -> Stream.of(Arguments.of(d, BuilderKind.CLASSIC, "lab-auth"),
                Arguments.of(d, BuilderKind.BUILDKIT, "lab-auth"), Arguments.of(d, BuilderKind.CLASSIC, "lab-tls")));
    }

    /** The lab's htpasswd registry, for both builders, and its TLS registry for the classic builder. */
    @ParameterizedTest(name = "{0} {1} from {2}")
    @MethodSource("labRegistries")
    void aPrivateBaseImageIsPulledWithItsCredentialsOnly(Lab.Daemon daemon, BuilderKind kind, String which,
                                                         @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("PullCredentialsTest"), daemon);
        String registry = which.equals("lab-auth") ? lab.authRegistry() : lab.tlsRegistry();
        pullPrivateBase(daemon, kind, registry, which.endsWith("tls"), daemon.endpoint(), dir, check);
        check.assertNothingLeft();
    }

    /**
     * A TLS registry with a login, verified against its CA, for both builders. BuildKit speaks only plain HTTP to
     * localhost and loopback addresses, so it cannot reach the lab's TLS registry; this one goes by the machine's
     * host name (see {@link TlsAuthRegistry}). BuildKit in Docker 20.10 reads the daemon's registry certificates
     * once, when the daemon starts, so the builds run on a daemon of the test's own started after the registry
     * (of the same version and image store as the lab daemon named).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStore")
    void aPrivateBaseImageIsPulledOverVerifiedTls(Lab.Daemon kindOf, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("PullCredentialsTest"));
        try (TlsAuthRegistry registry = new TlsAuthRegistry(); DisposableDaemon daemon = new DisposableDaemon(kindOf)) {
            for (BuilderKind kind : BuilderKind.values()) {
                pullPrivateBase(lab.engine20(), kind, registry.host(), true, daemon.endpoint(),
                        java.nio.file.Files.createDirectories(dir.resolve(kind.name())), check);
            }
        }
        check.assertNothingLeft();
    }

    /** {@code pusher} builds and pushes the private base image; {@code builder} must then pull it. */
    private void pullPrivateBase(Lab.Daemon pusher, BuilderKind kind, String registry, boolean tls,
                                 io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint builder, Path dir,
                                 FaultCheck check) throws Exception {
        String marker = LabSupport.unique("private-marker");
        String base = pushPrivateBase(pusher, registry, marker, dir.resolve("base"));
        Path ctx = java.nio.file.Files.createDirectories(dir.resolve("build"));
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(builder, events)) {
            try {
                assertThat(engine.inspect(base)).as("the building daemon must pull %s", base).isEmpty();
                Throwable without = catchThrowable(() -> engine.build(buildFrom(ctx, base, marker, kind).build()));
                assertRefused(without, kind, tls);

                // credentials for another registry do not help: they are not sent to this one
                Throwable elsewhere = catchThrowable(() -> engine.build(buildFrom(ctx, base, marker, kind)
                        .pullCredentials(lab.plainRegistry(), lab.registryCredentials()).build()));
                assertRefused(elsewhere, kind, tls);

                BuildResult built = engine.build(buildFrom(ctx, base, marker, kind)
                        .pullCredentials("https://" + registry + "/v2/", lab.registryCredentials()).build());
                assertThat(built.imageId()).startsWith("sha256:");
                engine.remove(built.imageId());
                engine.remove(base);

                // the daemon keeps no login for the next build that brings none
                Throwable after = catchThrowable(() -> engine.build(buildFrom(ctx, base, marker, kind).build()));
                assertRefused(after, kind, tls);
                for (Throwable t : List.of(without, elsewhere, after)) {
                    check.assertNoCredential(t, events);
                }
            } finally {
                engine.remove(base); // the classic builder keeps what it pulled
            }
        }
        if (kind == BuilderKind.BUILDKIT) {
            assertThat(events.allText()).contains("Registry credentials for " + registry + " given to the daemon");
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
    }

    /**
     * A refused pull. The classic builder tries a loopback TLS registry over HTTPS and then over plain HTTP, and
     * reports the second attempt's error (a reset connection), so only there the message cannot name the login.
     */
    private static void assertRefused(Throwable t, BuilderKind kind, boolean tls) {
        assertThat(t).as("the pull without credentials fails").isInstanceOf(ContainerEngineException.class);
        if (!(tls && kind == BuilderKind.CLASSIC)) {
            assertThat(t).isInstanceOf(RegistryAuthException.class).hasMessageContaining("give pull credentials");
        }
    }

    static Stream<Arguments> challenges() {
        return LabDaemons.everyStoreWithBuilders().flatMap(a -> Stream.of(RecordingRegistry.Challenge.values())
                .map(c -> Arguments.of(a.get()[0], a.get()[1], c)));
    }

    /** With credentials for the lab's registry only, a registry that asks for a login gets none. */
    @ParameterizedTest(name = "{0} {1}, {2} challenge")
    @MethodSource("challenges")
    void anotherRegistryIsSentNothing(Lab.Daemon daemon, BuilderKind kind, RecordingRegistry.Challenge challenge,
                                      @TempDir Path dir) throws Exception {
        RegistryCredentials lab5001 = lab.registryCredentials();
        RegistryCredentials token = RegistryCredentials.ofIdentityToken(LabSupport.unique("identity-token"));
        RecordingSink events = new RecordingSink();
        try (RecordingRegistry recorder = new RecordingRegistry(challenge);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            LabSupport.context(dir, "FROM " + recorder.host() + "/it/anything:1\n");
            Throwable refused = catchThrowable(() -> engine.build(BuildRequest.builder(dir).builderKind(kind)
                    .pull(true).networkMode("none")
                    .pullCredentials(lab.authRegistry(), lab5001)
                    .pullCredentials("registry.example.com", token)
                    .build()));
            assertThat(refused).isInstanceOf(RegistryAuthException.class);
            assertThat(recorder.requests).as("the daemon asked the recording registry").isNotEmpty();
            assertThat(recorder.requests).allSatisfy(r -> assertThat(r.authorization()).as(r.requestLine()).isNull());
            assertThat(recorder.everything()).doesNotContain(lab5001.password())
                    .doesNotContain(basic(lab5001)).doesNotContain(token.identityToken())
                    .doesNotContain(lab5001.username());
            if (kind == BuilderKind.BUILDKIT) {
                assertThat(events.allText()).contains("The daemon asked for credentials for " + recorder.host()
                        + ": none were given");
            }
        }
    }

    /**
     * The control for the test above: given for the recording registry, a password reaches it as Basic
     * authorization, and an identity token as an OAuth refresh token at its token service, from both builders.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreWithBuilders")
    void credentialsGivenForARegistryReachIt(Lab.Daemon daemon, BuilderKind kind, @TempDir Path dir) throws Exception {
        RegistryCredentials password = new RegistryCredentials("someone", LabSupport.unique("password"));
        try (RecordingRegistry recorder = new RecordingRegistry(RecordingRegistry.Challenge.BASIC);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            LabSupport.context(dir, "FROM " + recorder.host() + "/it/anything:1\n");
            Throwable refused = catchThrowable(() -> engine.build(BuildRequest.builder(dir).builderKind(kind)
                    .pull(true).networkMode("none").pullCredentials(recorder.host(), password).build()));
            assertThat(refused).isInstanceOf(RegistryAuthException.class).hasMessageNotContaining(password.password());
            assertThat(recorder.requests).extracting(RecordingRegistry.Recorded::authorization)
                    .contains("Basic " + basic(password));
        }
        RegistryCredentials token = RegistryCredentials.ofIdentityToken(LabSupport.unique("identity-token"));
        try (RecordingRegistry recorder = new RecordingRegistry(RecordingRegistry.Challenge.BEARER);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            LabSupport.context(dir, "FROM " + recorder.host() + "/it/anything:1\n");
            Throwable refused = catchThrowable(() -> engine.build(BuildRequest.builder(dir).builderKind(kind)
                    .pull(true).networkMode("none").pullCredentials(recorder.host(), token).build()));
            assertThat(refused).isInstanceOf(RegistryAuthException.class).hasMessageNotContaining(token.identityToken());
            assertThat(recorder.requests).as("the token traded as a refresh token")
                    .anySatisfy(r -> assertThat(r.requestLine()).startsWith("POST /token "))
                    .anySatisfy(r -> assertThat(r.body()).contains("grant_type=refresh_token")
                            .contains("refresh_token=" + token.identityToken()));
        }
    }

    private static String basic(RegistryCredentials c) {
        return Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }
}
