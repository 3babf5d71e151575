package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.DaemonUnreachableException;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Picks the daemon: {@code --host} (with the {@code --tls-*} files) wins; otherwise the docker CLI's environment
 * variables; without {@code DOCKER_HOST}, {@code --podman} makes Podman's socket the default instead of Docker's.
 * {@code --dind IMAGE} wraps the result in a sidecar started on that daemon.
 */
final class DaemonSelection {

    /** The owner label value of the sidecars this CLI starts, so that leftovers can be traced to it. */
    static final String DIND_OWNER = "containerbuild-cli";

    private DaemonSelection() {}

    static DaemonEndpoint resolve(Options o, Map<String, String> env, Path cwd)
            throws UsageException, DaemonUnreachableException {
        DaemonEndpoint daemon = direct(o, env, cwd);
        if (o.dind == null) {
            return daemon;
        }
        try {
            DindOptions dind = DindOptions.of(o.dind).withCacheVolume(o.dindCache).withOwner(DIND_OWNER);
            if (o.dindSecurity != null) {
                dind = dind.withSecurity(DindOptions.SecurityProfile.parse(o.dindSecurity));
            }
            return new DaemonEndpoint.Dind(daemon, dind);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), o.command, e);
        }
    }

    private static DaemonEndpoint direct(Options o, Map<String, String> env, Path cwd)
            throws UsageException, DaemonUnreachableException {
        TlsMaterial tls = null;
        if (o.anyTls()) {
            try {
                tls = TlsMaterial.fromFiles(cwd.resolve(o.tlsCa), cwd.resolve(o.tlsCert), cwd.resolve(o.tlsKey), true);
            } catch (IOException e) {
                throw new UsageException(e.getMessage(), o.command, e);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), o.command, e);
            }
        }
        try {
            if (o.host != null) {
                return DaemonEndpoint.parse(o.host, tls);
            }
            String envHost = env.get("DOCKER_HOST");
            if (tls != null) {
                if (envHost == null || !envHost.startsWith("tcp://")) {
                    throw new UsageException("--tls-ca, --tls-cert and --tls-key need a tcp:// daemon: give --host"
                            + " tcp://HOST:PORT or set DOCKER_HOST.", o.command);
                }
                return DaemonEndpoint.parse(envHost, tls);
            }
            if (o.podman && (envHost == null || envHost.isBlank())) {
                return podman(env);
            }
            return DaemonEndpoint.fromEnvironment(env);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), o.command, e);
        } catch (IOException e) {
            throw new UsageException("The daemon settings in DOCKER_HOST / DOCKER_CERT_PATH cannot be used: "
                    + e.getMessage(), o.command, e);
        }
    }

    /** Podman's socket as Podman's tools find it; a socket that is not there is named with how to start it. */
    private static DaemonEndpoint podman(Map<String, String> env) throws DaemonUnreachableException {
        DaemonEndpoint endpoint = PodmanSocket.find(env, PodmanSocket.runningAsRoot());
        if (endpoint instanceof DaemonEndpoint.UnixSocket u && !Files.exists(u.socket())) {
            throw new DaemonUnreachableException("Podman's socket " + u.socket() + " does not exist: "
                    + PodmanSocket.howToStart(endpoint) + ", or give its address in CONTAINER_HOST or with --host.");
        }
        return endpoint;
    }
}
