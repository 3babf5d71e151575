package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.ssh.AgentSocketRelay;
import io.jenkins.plugins.containerbuild.engine.ssh.AgentSource;
import io.jenkins.plugins.containerbuild.engine.ssh.InMemoryAgent;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The agents a request's SSH forwards stand for, checked before the build starts. */
final class SshAgents {

    private SshAgents() {
    }

    /**
     * An agent per id: the engine's in-memory agent for keys, a relay for a running agent's socket.
     *
     * @throws ContainerEngineException when a key was destroyed or an agent's socket cannot be reached
     */
    static Map<String, AgentSource> of(Map<String, SshForward> forwards) throws ContainerEngineException {
        Map<String, AgentSource> agents = new LinkedHashMap<>();
        for (Map.Entry<String, SshForward> e : forwards.entrySet()) {
            switch (e.getValue()) {
                case SshForward.Keys k -> {
                    List<KeyPair> pairs = new ArrayList<>();
                    for (SshKey key : k.keys()) {
                        KeyPair pair = key.keyPair();
                        if (pair == null) {
                            throw new ContainerEngineException("The SSH keys for id '" + e.getKey() + "' were"
                                    + " destroyed when an earlier build of this request ended: make a new request.");
                        }
                        pairs.add(pair);
                    }
                    agents.put(e.getKey(), new InMemoryAgent(pairs));
                }
                case SshForward.Agent a -> {
                    probe(e.getKey(), a);
                    agents.put(e.getKey(), new AgentSocketRelay(a.socket()));
                }
            }
        }
        return agents;
    }

    private static void probe(String id, SshForward.Agent agent) throws ContainerEngineException {
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(agent.socket()))) {
            // reachable
        } catch (IOException | RuntimeException e) {
            throw new ContainerEngineException("The SSH agent for id '" + id + "' cannot be reached at "
                    + agent.socket() + " (" + e.getMessage() + "): start ssh-agent and give its socket"
                    + " ($SSH_AUTH_SOCK).", e);
        }
    }
}
