package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SSH agent protocol's framing and the message numbers used here (draft-miller-ssh-agent): every message is a
 * {@code uint32} length, then a type byte and its contents. Requests and replies alternate, one reply per request.
 */
public final class AgentProtocol {

    public static final int FAILURE = 5;
    public static final int REQUEST_IDENTITIES = 11;
    public static final int IDENTITIES_ANSWER = 12;
    public static final int SIGN_REQUEST = 13;
    public static final int SIGN_RESPONSE = 14;

    /** Sign-request flags: which hash an RSA key signs with. */
    public static final int RSA_SHA2_256 = 2;
    public static final int RSA_SHA2_512 = 4;

    /** The longest message accepted, as OpenSSH's agent limits it. */
    public static final int MAX_MESSAGE = 256 * 1024;

    private AgentProtocol() {
    }

    /** The reply that refuses a request. */
    public static byte[] failure() {
        return new byte[] {FAILURE};
    }

    /** A message with its length in front, as it travels. */
    public static byte[] frame(byte[] message) {
        byte[] framed = new byte[4 + message.length];
        putLength(framed, message.length);
        System.arraycopy(message, 0, framed, 4, message.length);
        return framed;
    }

    static void putLength(byte[] into, int length) {
        into[0] = (byte) (length >>> 24);
        into[1] = (byte) (length >>> 16);
        into[2] = (byte) (length >>> 8);
        into[3] = (byte) length;
    }

    static int length(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    /**
     * Cuts a byte stream, arriving in chunks of any size, into whole messages: a message may span chunks and a chunk
     * may hold several.
     */
    public static final class Reassembler {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        /** The messages (without their length) completed by this chunk, in order. */
        public List<byte[]> add(byte[] chunk) throws IOException {
            pending.write(chunk);
            byte[] buf = pending.toByteArray();
            List<byte[]> messages = new ArrayList<>();
            int at = 0;
            while (buf.length - at >= 4) {
                int length = length(buf, at);
                if (length <= 0 || length > MAX_MESSAGE) {
                    throw new IOException("SSH agent message of " + Integer.toUnsignedString(length)
                            + " bytes refused (at most " + MAX_MESSAGE + ")");
                }
                if (buf.length - at - 4 < length) {
                    break;
                }
                messages.add(Arrays.copyOfRange(buf, at + 4, at + 4 + length));
                at += 4 + length;
            }
            pending.reset();
            pending.write(buf, at, buf.length - at);
            Arrays.fill(buf, (byte) 0);
            return messages;
        }

        /** Whether part of a message is still waiting for the rest. */
        public boolean hasPartial() {
            return pending.size() > 0;
        }
    }
}
