package io.jenkins.plugins.containerbuild.engine.ssh;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * An SSH agent holding keys in memory: it lists them and signs with them (Ed25519; ECDSA on nistp256, nistp384,
 * nistp521; RSA with {@code rsa-sha2-256} or {@code rsa-sha2-512} as the request's flags ask, and {@code ssh-rsa}
 * with SHA-1 when they ask for neither, as OpenSSH's agent and the docker CLI's do: the client, not the agent,
 * decides which signatures it accepts). Every other request gets a failure. The signatures come from Apache MINA
 * SSHD.
 */
public final class InMemoryAgent implements AgentSource {

    private static final String COMMENT = "containerbuild";

    private record Identity(byte[] blob, String type, KeyPair pair) {}

    private volatile List<Identity> identities;

    public InMemoryAgent(List<KeyPair> keys) {
        List<Identity> ids = new ArrayList<>();
        for (KeyPair pair : keys) {
            Buffer blob = new ByteArrayBuffer();
            blob.putRawPublicKey(pair.getPublic());
            ids.add(new Identity(blob.getCompactData(), KeyUtils.getKeyType(pair), pair));
        }
        this.identities = List.copyOf(ids);
    }

    @Override
    public Connection connect() {
        return this::answer;
    }

    /** Answers one request message; a request it does not serve, or any it cannot read, gets a failure. */
    public byte[] answer(byte[] request) {
        List<Identity> held = identities;
        if (request.length == 0) {
            return AgentProtocol.failure();
        }
        try {
            return switch (request[0]) {
                case AgentProtocol.REQUEST_IDENTITIES -> identitiesAnswer(held);
                case AgentProtocol.SIGN_REQUEST -> sign(held, new ByteArrayBuffer(request, 1, request.length - 1));
                default -> AgentProtocol.failure();
            };
        } catch (Exception e) {
            return AgentProtocol.failure(); // a malformed request, or a key that cannot sign it
        }
    }

    private static byte[] identitiesAnswer(List<Identity> held) {
        Buffer reply = new ByteArrayBuffer();
        reply.putByte((byte) AgentProtocol.IDENTITIES_ANSWER);
        reply.putUInt(held.size());
        for (Identity id : held) {
            reply.putBytes(id.blob());
            reply.putString(COMMENT);
        }
        return reply.getCompactData();
    }

    private static byte[] sign(List<Identity> held, Buffer request) throws Exception {
        byte[] blob = request.getBytes();
        byte[] data = request.getBytes();
        long flags = request.available() >= 4 ? request.getUInt() : 0;
        Identity id = null;
        for (Identity candidate : held) {
            if (Arrays.equals(candidate.blob(), blob)) {
                id = candidate;
            }
        }
        if (id == null) {
            return AgentProtocol.failure();
        }
        String algorithm = algorithm(id.type(), flags);
        Signature signer = BuiltinSignatures.fromFactoryName(algorithm).create();
        signer.initSigner(null, id.pair().getPrivate());
        signer.update(null, data);
        Buffer signature = new ByteArrayBuffer();
        signature.putString(algorithm);
        signature.putBytes(signer.sign(null));
        Buffer reply = new ByteArrayBuffer();
        reply.putByte((byte) AgentProtocol.SIGN_RESPONSE);
        reply.putBytes(signature.getCompactData());
        return reply.getCompactData();
    }

    /** The signature algorithm for a key type and the request's flags (OpenSSH's choice when both are set). */
    static String algorithm(String keyType, long flags) {
        if (!keyType.equals("ssh-rsa")) {
            return keyType;
        }
        if ((flags & AgentProtocol.RSA_SHA2_256) != 0) {
            return "rsa-sha2-256";
        }
        if ((flags & AgentProtocol.RSA_SHA2_512) != 0) {
            return "rsa-sha2-512";
        }
        return "ssh-rsa";
    }

    /** How many keys are held (none once closed). */
    public int size() {
        return identities.size();
    }

    /** Drops the keys: later requests see none. Java keys cannot be overwritten; they are left to the collector. */
    @Override
    public void close() {
        identities = List.of();
    }
}
