package io.jenkins.plugins.containerbuild;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import java.io.Serial;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A daemon choice with everything the controller had to look up, as plain strings that travel to the agent inside
 * a callable (the engine's endpoints hold {@link Path}s, which do not serialize). The agent turns it into an engine
 * {@link DaemonEndpoint}. {@link #toString()} never shows the TLS key.
 */
final class ResolvedDaemon implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** {@code KEPT}: the DinD sidecar a {@code withContainerDaemon} block keeps on the agent ({@link KeptSidecars}). */
    enum Kind { SOCKET, TCP, DIND, PODMAN, KEPT }

    private final Kind kind;
    private final String socket;
    private final String uri;
    private final TlsPem tls;
    private final String dindImage;
    private final String dindCacheVolume;
    private final String dindSecurity;
    private final String owner;
    /** KEPT: what identifies the block's sidecar, its key in {@link KeptSidecars} first; null otherwise. */
    private SidecarRef sidecar;

    private ResolvedDaemon(Kind kind, String socket, String uri, TlsPem tls, String dindImage, String dindCacheVolume,
                           String dindSecurity, String owner) {
        this.kind = kind;
        this.socket = socket;
        this.uri = uri;
        this.tls = tls;
        this.dindImage = dindImage;
        this.dindCacheVolume = dindCacheVolume;
        this.dindSecurity = dindSecurity;
        this.owner = owner;
    }

    static ResolvedDaemon socket(String socket) {
        return new ResolvedDaemon(Kind.SOCKET, socket, null, null, null, null, null, null);
    }

    static ResolvedDaemon tcp(String uri, TlsPem tls) {
        return new ResolvedDaemon(Kind.TCP, null, uri, tls, null, null, null, null);
    }

    static ResolvedDaemon dind(String hostSocket, String image, String cacheVolume, String security, String owner) {
        return new ResolvedDaemon(Kind.DIND, hostSocket, null, null, image, cacheVolume, security, owner);
    }

    /** The agent's Podman service: at {@code socket}, or, when null, found on the agent as Podman's tools do. */
    static ResolvedDaemon podman(String socket) {
        return new ResolvedDaemon(Kind.PODMAN, socket, null, null, null, null, null, null);
    }

    /** The sidecar that a block keeps, as {@code sidecar} identifies it. */
    static ResolvedDaemon kept(SidecarRef sidecar, String description) {
        ResolvedDaemon d = new ResolvedDaemon(Kind.KEPT, sidecar.hostSocket(), null, null, description, null, null,
                null);
        d.sidecar = sidecar;
        return d;
    }

    Kind kind() {
        return kind;
    }

    /** DIND and KEPT: the socket of the agent's daemon that runs the sidecar. */
    String hostSocket() {
        return socket;
    }

    /** KEPT: what identifies the block's sidecar. */
    SidecarRef sidecar() {
        return sidecar;
    }

    /** DIND: the run that starts the sidecar (its owner label). */
    String owner() {
        return owner;
    }

    /** DIND: the sidecar's cache volume; null for none. */
    String cacheVolume() {
        return dindCacheVolume;
    }

    /** Builds the engine's endpoint; runs on the agent. A KEPT sidecar has none: {@link Engines} attaches to it. */
    DaemonEndpoint endpoint() {
        return switch (kind) {
            case SOCKET -> new DaemonEndpoint.UnixSocket(Path.of(socket));
            case TCP -> new DaemonEndpoint.Tcp(URI.create(uri),
                    tls == null ? null : new TlsMaterial(tls.caPem(), tls.certPem(), tls.keyPem(), true), false);
            case DIND -> new DaemonEndpoint.Dind(new DaemonEndpoint.UnixSocket(Path.of(socket)),
                    DindOptions.of(dindImage).withCacheVolume(dindCacheVolume)
                            .withSecurity(DindOptions.SecurityProfile.parse(dindSecurity)).withOwner(owner));
            case PODMAN -> socket != null ? new DaemonEndpoint.UnixSocket(Path.of(socket))
                    : podmanOnThisMachine(System.getenv(), PodmanSocket.runningAsRoot());
            case KEPT -> throw new IllegalStateException("a kept sidecar is reached through KeptSidecars");
        };
    }

    /**
     * Podman's socket looked for in {@code env} (the agent process's environment); a socket that is not there is
     * refused with how to start the service.
     */
    static DaemonEndpoint podmanOnThisMachine(java.util.Map<String, String> env, boolean root) {
        DaemonEndpoint found = PodmanSocket.find(env, root);
        if (found instanceof DaemonEndpoint.UnixSocket u && !java.nio.file.Files.exists(u.socket())) {
            throw new IllegalArgumentException(Messages.PodmanDaemon_NoSocket(u.socket(), PodmanSocket.howToStart(u)));
        }
        return found;
    }

    /** What must never appear in a log: the TLS key. */
    List<String> secrets() {
        List<String> s = new ArrayList<>();
        if (tls != null) {
            s.add(tls.keyPem());
        }
        return s;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SOCKET -> "unix://" + socket;
            case TCP -> uri + (tls != null ? " (TLS)" : "");
            case DIND -> "DinD " + dindImage + " on unix://" + socket;
            case PODMAN -> socket != null ? "Podman on unix://" + socket : "Podman (socket found on the agent)";
            case KEPT -> "the sidecar of the withContainerDaemon block (" + dindImage + ")";
        };
    }

    /**
     * The PEM text of a TLS client identity and the CA of the daemon; no CA ({@code caPem} null) verifies the
     * daemon against the agent JVM's trust store. The daemon's host name is checked either way.
     */
    record TlsPem(String caPem, String certPem, String keyPem) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return "TlsPem[key=****]";
        }
    }
}
