package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.io.IOException;
import java.util.List;

/** The gRPC health check the daemon polls to keep the session: always SERVING while the session is open. */
public final class HealthService implements SessionService {

    static final String CHECK = "/grpc.health.v1.Health/Check";
    private static final int SERVING = 1;

    @Override
    public List<String> methods() {
        return List.of(CHECK);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        call.readMessage();
        call.sendMessage(new ProtoWriter(2).varint(1, SERVING).toByteArray()); // HealthCheckResponse { status }
        call.finish(Http2Stream.OK, null);
    }
}
