package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import io.jenkins.plugins.containerbuild.engine.ssh.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session offers the daemon only what the request gave: a daemon of the test's own ({@link SessionPlayingDaemon})
 * reads which gRPC methods the engine advertised, then calls every method of every service the engine has. The
 * services the request did not ask for are neither advertised nor answered (UNIMPLEMENTED); those it asked for are
 * both. File sync and the health check are always there.
 */
class SessionOffersOnlyWhatWasGivenTest {

    private static final String AUTH = "/moby.filesync.v1.Auth/Credentials";
    private static final String SECRETS = "/moby.buildkit.secrets.v1.Secrets/GetSecret";
    private static final String SSH = "/moby.sshforward.v1.SSH/CheckAgent";
    private static final String FILE_SEND = "/moby.filesync.v1.FileSend/DiffCopy";
    private static final String FILE_SYNC = "/moby.filesync.v1.FileSync/DiffCopy";
    private static final String HEALTH = "/grpc.health.v1.Health/Check";
    private static final int UNIMPLEMENTED = 12;

    @TempDir
    static Path keys;

    /** A request shape, the optional services it must get, and how to make it. */
    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("nothing extra", Set.of(), (UnaryOperator<BuildRequest.Builder>) b -> b),
                Arguments.of("pull credentials", Set.of(AUTH), (UnaryOperator<BuildRequest.Builder>) b ->
                        b.pullCredentials("registry.example.com", new RegistryCredentials("ci", "pw-9x"))),
                Arguments.of("a secret", Set.of(SECRETS), (UnaryOperator<BuildRequest.Builder>) b ->
                        b.secret("npmrc", "token".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("SSH keys", Set.of(SSH), (UnaryOperator<BuildRequest.Builder>) b ->
                        b.ssh("default", List.of(SshKey.of(key(), null)))),
                Arguments.of("an output", Set.of(FILE_SEND), (UnaryOperator<BuildRequest.Builder>) b ->
                        b.output(new BuildOutput.Local(keys.resolve("out-" + System.nanoTime())))),
                Arguments.of("all of them", Set.of(AUTH, SECRETS, SSH), (UnaryOperator<BuildRequest.Builder>) b ->
                        b.pullCredentials("registry.example.com", new RegistryCredentials("ci", "pw-9x"))
                                .secret("npmrc", new byte[] {1})
                                .ssh("default", List.of(SshKey.of(key(), null)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void onlyTheGivenServicesAreAdvertisedAndAnswered(String name, Set<String> given,
                                                      UnaryOperator<BuildRequest.Builder> shape,
                                                      @TempDir Path tmp) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\n");
        Map<String, Integer> statuses = new LinkedHashMap<>();
        List<String>[] advertised = new List[1];
        SessionPlayingDaemon.Script script = (session, methods) -> {
            advertised[0] = List.copyOf(methods);
            call(session, AUTH, new ProtoWriter().string(1, "registry.example.com").toByteArray(), statuses);
            call(session, SECRETS, new ProtoWriter().string(1, "npmrc").toByteArray(), statuses);
            call(session, SSH, new ProtoWriter().string(1, "default").toByteArray(), statuses);
            call(session, FILE_SEND, null, statuses);
            call(session, HEALTH, new byte[0], statuses);
        };
        Path socket = tmp.resolve("daemon.sock");
        try (SessionPlayingDaemon daemon = new SessionPlayingDaemon(socket, script);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildRequest request = shape.apply(BuildRequest.builder(ctx).tag("offers-only:test")).build();
            try {
                new BuildImageStep(connection, request, new RecordingSink()).call();
            } catch (ContainerEngineException e) {
                // a file send that the daemon ends without a transfer may fail the build: the statuses tell
            } finally {
                request.destroySecrets();
            }
            if (daemon.scriptFailure() != null) {
                throw new AssertionError("the daemon's side of the session failed", daemon.scriptFailure());
            }
        }

        assertThat(advertised[0]).as("advertised for " + name).contains(FILE_SYNC, HEALTH);
        for (String optional : List.of(AUTH, SECRETS, SSH, FILE_SEND)) {
            boolean expected = given.contains(optional);
            assertThat(advertised[0].contains(optional)).as(optional + " advertised for " + name).isEqualTo(expected);
            assertThat(statuses.get(optional) != UNIMPLEMENTED).as(optional + " answered for " + name + " (status "
                    + statuses.get(optional) + ")").isEqualTo(expected);
        }
        assertThat(statuses.get(HEALTH)).isZero();
    }

    /** Calls a method with one request message (none: only the end of our side), waits for its end, keeps the status. */
    private static void call(GrpcTestClient session, String method, byte[] message, Map<String, Integer> statuses)
            throws Exception {
        GrpcTestClient.Call call = session.open(method, List.of());
        if (message != null) {
            call.send(message);
        }
        call.halfClose();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (call.read(Duration.ofSeconds(60)) != null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(method + " did not end");
            }
        }
        statuses.put(method, call.status());
    }

    private static String key() {
        return TestKeys.sshKeygen(keys, "id-" + System.nanoTime(), "ed25519", 0, null, "").privateText();
    }
}
