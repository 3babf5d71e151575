package io.jenkins.plugins.containerbuild.engine.ssh;

import java.io.Closeable;
import java.io.IOException;

/**
 * An SSH agent that a build step may reach under one id: each connection the step opens to its agent socket becomes
 * one {@link Connection} here. Only listing the identities and signing are served; a request to add, remove or lock
 * keys is refused.
 */
public interface AgentSource {

    /** A new connection to the agent. */
    Connection connect() throws IOException;

    /** The build has ended: forget the keys and close what is open. */
    void close();

    /** One connection: answers each request message (type byte and contents) with one reply message. */
    interface Connection extends Closeable {
        byte[] answer(byte[] request) throws IOException;

        @Override
        default void close() throws IOException {
        }
    }
}
