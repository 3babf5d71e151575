package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.BuildSecret;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * BuildKit's secrets service ({@code moby.buildkit.secrets.v1.Secrets/GetSecret}): the daemon asks by id when a
 * {@code RUN --mount=type=secret,id=ID} step starts, and mounts the bytes on a tmpfs for that step only.
 *
 * <pre>
 * GetSecretRequest  { string ID = 1; map&lt;string, string&gt; annotations = 2; }
 * GetSecretResponse { bytes data = 1; }
 * </pre>
 *
 * An unknown id gets NOT_FOUND, the status BuildKit's own client sends: the daemon then fails a {@code required}
 * mount with its own message ("secret ID not found") and leaves an optional one out. The service keeps its own
 * copies of the bytes and overwrites them when the session closes; the request's copies are its owner's to destroy.
 * An empty secret is sent as an empty (present) field, so that the step sees an empty file rather than none.
 */
public final class SecretsService implements SessionService {

    static final String GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret";

    private final Map<String, byte[]> secrets = new ConcurrentHashMap<>();

    /** Copies the bytes of each secret now; {@link #close()} overwrites the copies. */
    public SecretsService(Map<String, BuildSecret> secrets) {
        secrets.forEach((id, s) -> this.secrets.put(id, s.bytes()));
    }

    @Override
    public List<String> methods() {
        return List.of(GET_SECRET);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        byte[] request = call.readMessage();
        String id = request == null ? "" : id(request);
        byte[] value = secrets.get(id);
        if (value == null) {
            call.finish(Http2Stream.NOT_FOUND, "no build secret with id " + id + " was given");
            return;
        }
        byte[] response = null;
        synchronized (value) { // close() overwrites under the same lock: never an overwritten secret
            if (secrets.get(id) == value) {
                response = new ProtoWriter(8).toByteArrayWith(1, value, 0, value.length);
            }
        }
        if (response == null) {
            call.finish(Http2Stream.NOT_FOUND, "no build secret with id " + id + ": the session has ended");
            return;
        }
        call.sendSecretMessage(response);
        call.finish(Http2Stream.OK, null);
    }

    private static String id(byte[] request) throws IOException {
        ProtoReader r = new ProtoReader(request);
        String id = "";
        while (r.hasRemaining()) {
            int tag = r.readTag();
            if (tag == (1 << 3 | ProtoReader.LENGTH_DELIMITED)) {
                id = r.readString();
            } else {
                r.skipField(tag); // annotations (BuildKit 0.13): nothing to choose by
            }
        }
        return id;
    }

    /** Overwrites every copy held; later requests find no secret. */
    @Override
    public void close() {
        for (String id : List.copyOf(secrets.keySet())) {
            byte[] value = secrets.remove(id);
            if (value != null) {
                synchronized (value) {
                    Arrays.fill(value, (byte) 0);
                }
            }
        }
    }

    /** The copy held for {@code id} itself, or null: for tests of {@link #close()}. */
    byte[] held(String id) {
        return secrets.get(id);
    }
}
