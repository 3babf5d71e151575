package io.jenkins.plugins.containerbuild.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@code RUN --mount=type=ssh,id=ID} step reaches through the BuildKit session: an agent of the engine's own
 * holding the given keys in memory, or an SSH agent already running on this machine ({@code $SSH_AUTH_SOCK}).
 */
public sealed interface SshForward {

    /** Forgets the keys held (an agent's socket holds none). */
    default void destroy() {
        if (this instanceof Keys k) {
            k.keys().forEach(SshKey::destroy);
        }
    }

    /** The engine's in-memory agent, holding these keys. */
    record Keys(List<SshKey> keys) implements SshForward {
        public Keys {
            if (keys == null || keys.isEmpty()) {
                throw new IllegalArgumentException("SSH forwarding needs at least one private key.");
            }
            keys = List.copyOf(keys); // refuses null elements
        }

        @Override
        public String toString() {
            return "Keys[" + keys.size() + " key" + (keys.size() == 1 ? "" : "s") + "]";
        }
    }

    /** A running agent's socket, such as {@code $SSH_AUTH_SOCK}. */
    record Agent(Path socket) implements SshForward {
        public Agent {
            if (socket == null) {
                throw new IllegalArgumentException("SSH agent socket is missing: give the path of its socket.");
            }
        }
    }
}
