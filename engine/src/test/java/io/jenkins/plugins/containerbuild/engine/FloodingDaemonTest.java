package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import io.jenkins.plugins.containerbuild.engine.session.Hpack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon that breaks the session's protocol to make the engine hold what it sends (docs/security.md): the build
 * fails saying that the daemon broke the BuildKit session protocol and how, not that it could not be reached. A daemon
 * of the test's own takes the engine's real build through a session ({@link BuildImageStep} on a
 * {@link DaemonConnection}) and, when the build request comes, floods the session; the build request then fails, as
 * BuildKit fails a build whose session ended.
 */
@Timeout(120)
class FloodingDaemonTest {

    private static final String DIFF_COPY = "/moby.filesync.v1.FileSync/DiffCopy";
    private static final String HEALTH = "/grpc.health.v1.Health/Check";
    private static final Duration REPLY = Duration.ofSeconds(30);
    private static final long FLOOD = 64L << 20;

    @TempDir
    Path tmp;

    @Test
    void dataBeyondTheWindowOfAStreamNobodyReadsIsAFlowControlError() throws Exception {
        Path ctx = contextWithABigFile();
        long[] flooded = {0};
        assertThatThrownBy(() -> runBuild(ctx, (session, methods) -> {
            flooded[0] = floodAStreamNobodyReads(session);
            throw new AssertionError("the session took " + flooded[0] + " bytes on a stream nobody reads");
        })).isInstanceOf(ContainerEngineException.class)
                .hasMessageContaining("broke the BuildKit session protocol")
                .hasMessageContaining("FLOW_CONTROL_ERROR")
                .hasMessageNotContaining("cannot be reached");
        assertThat(flooded[0]).as("bytes sent before the session stopped the flood").isLessThan(FLOOD);
    }

    @Test
    void aFloodingDaemonThatThenCutsTheBuildIsNotReportedAsOutOfReach() throws Exception {
        Path ctx = contextWithABigFile();
        assertThatThrownBy(() -> runBuild(ctx, (session, methods) -> {
            long sent = floodAStreamNobodyReads(session);
            throw new SessionPlayingDaemon.CutTheBuild("flooded " + sent + " bytes"); // as a daemon that dies of it
        })).isInstanceOf(ContainerEngineException.class)
                .hasMessageContaining("broke the BuildKit session protocol")
                .hasMessageContaining("FLOW_CONTROL_ERROR")
                .hasMessageNotContaining("cannot be reached").hasMessageNotContaining("broke during the build");
    }

    private Path contextWithABigFile() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        LabSupport.context(ctx, "FROM busybox:local\nCOPY . /app\n");
        byte[] big = new byte[4 << 20];
        new Random(7).nextBytes(big);
        Files.write(ctx.resolve("big.bin"), big);
        return ctx;
    }

    /**
     * Opens a file sync of the context and asks for every file while granting nothing back: the service sends
     * big.bin into windows that do not grow, so it stops reading the call. Then floods that call with DATA.
     */
    private static long floodAStreamNobodyReads(GrpcTestClient session) throws Exception {
        GrpcTestClient.Call call = session.open(DIFF_COPY, List.of(new Hpack.Header("dir-name", "context")));
        int files = 0;
        for (byte[] m; (m = call.read(REPLY)) != null; files++) {
            if (HostileFileSyncTest.Packet.parse(m).stat() == null) {
                break; // the end of the walk
            }
        }
        session.withholdWindows();
        for (int id = 0; id < files; id++) {
            call.send(new ProtoWriter().varint(1, 1).varint(3, id).toByteArray()); // REQ
        }
        return flood(session, call.id(), Http2Frame.DATA, 0);
    }

    @Test
    void aGiantGrpcLengthPrefixIsRefusedBeforeAllocation() throws Exception {
        Path ctx = LabSupport.context(Files.createDirectories(tmp.resolve("ctx")), "FROM busybox:local\n");
        int[] status = {-1};
        assertThatThrownBy(() -> runBuild(ctx, (session, methods) -> {
            GrpcTestClient.Call call = session.open(HEALTH, List.of());
            session.rawFrame(Http2Frame.DATA, 0, call.id(), new byte[] {0, (byte) 0x80, 0, 0, 0}); // 2 GiB follow
            assertThat(call.read(REPLY)).as("no reply but the trailers").isNull();
            status[0] = call.status();
            throw new IOException("the call failed with " + call.status() + ": " + call.statusMessage());
        })).isInstanceOf(ContainerEngineException.class)
                .hasMessageContaining("broke the BuildKit session protocol")
                .hasMessageContaining("gRPC message of 2147483648 bytes");
        assertThat(status[0]).as("grpc-status RESOURCE_EXHAUSTED").isEqualTo(8);
    }

    @Test
    void aContinuationFloodEndsTheSessionSayingSo() throws Exception {
        Path ctx = LabSupport.context(Files.createDirectories(tmp.resolve("ctx")), "FROM busybox:local\n");
        assertThatThrownBy(() -> runBuild(ctx, (session, methods) -> {
            session.rawFrame(Http2Frame.HEADERS, 0, 101, new byte[0]); // a header block without its end
            long sent = flood(session, 101, Http2Frame.CONTINUATION, 0);
            throw new AssertionError("the session took " + sent + " bytes of CONTINUATION frames");
        })).isInstanceOf(ContainerEngineException.class)
                .hasMessageContaining("broke the BuildKit session protocol")
                .hasMessageContaining("CONTINUATION");
    }

    /** HTTP/2 frame types the floods use. */
    private static final class Http2Frame {
        static final int DATA = 0x0;
        static final int HEADERS = 0x1;
        static final int CONTINUATION = 0x9;
    }

    /**
     * Sends frames of 16 KiB of one type on one stream, ignoring every window, until the server sends GOAWAY or
     * closes the connection, or FLOOD bytes went; returns the bytes sent.
     */
    private static long flood(GrpcTestClient session, int stream, int type, int flags) {
        byte[] chunk = new byte[16_384];
        long sent = 0;
        try {
            while (sent < FLOOD && session.goawayCode() < 0) {
                session.rawFrame(type, flags, stream, chunk);
                sent += chunk.length;
            }
        } catch (IOException e) {
            // the server closed the connection: what a flood should end with
        }
        return sent;
    }

    private void runBuild(Path ctx, SessionPlayingDaemon.Script script) throws Exception {
        Path socket = tmp.resolve("daemon.sock");
        try (SessionPlayingDaemon daemon = new SessionPlayingDaemon(socket, script);
             DaemonConnection connection = DaemonConnection.open(new DaemonEndpoint.UnixSocket(socket),
                     Timeouts.defaults())) {
            BuildRequest request = BuildRequest.builder(ctx).tag(LabSupport.unique("flooding-daemon")).build();
            new BuildImageStep(connection, request, new RecordingSink()).call();
        }
    }
}
