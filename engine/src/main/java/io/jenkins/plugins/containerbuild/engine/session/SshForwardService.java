package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import io.jenkins.plugins.containerbuild.engine.ssh.AgentProtocol;
import io.jenkins.plugins.containerbuild.engine.ssh.AgentSocketRelay;
import io.jenkins.plugins.containerbuild.engine.ssh.AgentSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * BuildKit's SSH forwarding ({@code moby.sshforward.v1.SSH}), which a {@code RUN --mount=type=ssh,id=ID} step reaches
 * through the socket BuildKit mounts for it. {@code CheckAgent} tells whether an id is forwarded (NOT_FOUND when not,
 * which fails a required mount with our message and leaves an optional one out). Each connection the step opens to
 * the socket becomes one {@code ForwardAgent} stream, whose {@code BytesMessage}s carry the raw agent protocol in
 * both directions; the id comes in the {@code buildkit.ssh.id} metadata.
 */
public final class SshForwardService implements SessionService {

    static final String CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent";
    static final String FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent";
    static final String ID_METADATA = "buildkit.ssh.id";
    static final String DEFAULT_ID = "default";
    private static final int UNAVAILABLE = 14; // the gRPC status

    private final Map<String, AgentSource> agents;
    private final AtomicReference<IOException> firstFailure = new AtomicReference<>();

    /** Offers each agent under its id; they are closed with the service. */
    public SshForwardService(Map<String, AgentSource> agents) {
        this.agents = Map.copyOf(agents);
    }

    @Override
    public List<String> methods() {
        return List.of(CHECK_AGENT, FORWARD_AGENT);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        if (call.path().equals(CHECK_AGENT)) {
            checkAgent(call);
        } else {
            forwardAgent(call);
        }
    }

    @Override
    public IOException failure() {
        return firstFailure.get();
    }

    private void checkAgent(Http2Stream call) throws IOException {
        byte[] request = call.readMessage(); // CheckAgentRequest { string ID = 1; }
        String id = "";
        if (request != null) {
            ProtoReader r = new ProtoReader(request);
            while (r.hasRemaining()) {
                int tag = r.readTag();
                if (tag == (1 << 3 | ProtoReader.LENGTH_DELIMITED)) {
                    id = r.readString();
                } else {
                    r.skipField(tag);
                }
            }
        }
        id = id.isEmpty() ? DEFAULT_ID : id;
        if (!agents.containsKey(id)) {
            call.finish(Http2Stream.NOT_FOUND, notForwarded(id));
            return;
        }
        call.sendMessage(new byte[0]); // CheckAgentResponse {}
        call.finish(Http2Stream.OK, null);
    }

    private void forwardAgent(Http2Stream call) throws IOException {
        List<String> ids = call.values(ID_METADATA);
        String id = ids.isEmpty() || ids.get(0).isEmpty() ? DEFAULT_ID : ids.get(0);
        AgentSource agent = agents.get(id);
        if (agent == null) {
            call.finish(Http2Stream.NOT_FOUND, notForwarded(id));
            return;
        }
        AgentSource.Connection connection;
        try {
            connection = agent.connect();
        } catch (IOException e) {
            String where = agent instanceof AgentSocketRelay relay ? " at " + relay.socket() : "";
            IOException clear = new IOException("The SSH agent for id '" + id + "' cannot be reached" + where + " ("
                    + e.getMessage() + "): keep it running until the build ends.", e);
            firstFailure.compareAndSet(null, clear);
            call.finish(UNAVAILABLE, clear.getMessage());
            return;
        }
        try (connection) {
            AgentProtocol.Reassembler requests = new AgentProtocol.Reassembler();
            for (byte[] message; (message = call.readMessage()) != null; ) {
                List<byte[]> replies = new ArrayList<>();
                for (byte[] request : requests.add(data(message))) {
                    replies.add(bytesMessage(AgentProtocol.frame(connection.answer(request))));
                }
                if (!replies.isEmpty()) {
                    call.sendMessages(replies);
                }
            }
            call.finish(Http2Stream.OK, null);
        }
    }

    /** {@code BytesMessage { bytes data = 1; }}: its data. */
    private static byte[] data(byte[] message) throws IOException {
        ProtoReader r = new ProtoReader(message);
        byte[] data = new byte[0];
        while (r.hasRemaining()) {
            int tag = r.readTag();
            if (tag == (1 << 3 | ProtoReader.LENGTH_DELIMITED)) {
                data = r.readBytes();
            } else {
                r.skipField(tag);
            }
        }
        return data;
    }

    private static byte[] bytesMessage(byte[] data) {
        return new ProtoWriter(data.length + 8).optionalBytes(1, data).toByteArray();
    }

    private String notForwarded(String id) {
        return "no SSH agent or key is forwarded under the id '" + id + "' (this build forwards "
                + String.join(", ", agents.keySet().stream().sorted().toList())
                + "): give keys or an agent for it, or name a forwarded id in the RUN --mount=type=ssh,id=... step";
    }

    /** Forgets every key held and closes the connections to running agents. */
    @Override
    public void close() {
        agents.values().forEach(AgentSource::close);
    }
}
