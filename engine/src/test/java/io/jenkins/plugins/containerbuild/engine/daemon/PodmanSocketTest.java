package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Podman's socket, looked for as Podman's tools look: CONTAINER_HOST, then the rootless user's socket under
 * XDG_RUNTIME_DIR, then root's. On this machine root's socket, {@code /run/podman/podman.sock}, is not there (the
 * lab's Podman has a socket of its own); the cases that depend on it say so.
 */
class PodmanSocketTest {

    @TempDir
    Path runtimeDir;

    @Test
    void containerHostComesFirst() {
        Map<String, String> env = Map.of("CONTAINER_HOST", "unix:///srv/podman/api.sock",
                "XDG_RUNTIME_DIR", runtimeDir.toString());
        assertThat(PodmanSocket.find(env, false)).isEqualTo(new DaemonEndpoint.UnixSocket(Path.of("/srv/podman/api.sock")));
        assertThat(PodmanSocket.find(env, true)).isEqualTo(new DaemonEndpoint.UnixSocket(Path.of("/srv/podman/api.sock")));
        assertThat(PodmanSocket.find(Map.of("CONTAINER_HOST", "tcp://127.0.0.1:8888"), true))
                .isInstanceOf(DaemonEndpoint.Tcp.class).hasToString("tcp://127.0.0.1:8888");
    }

    @Test
    void anSshContainerHostIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> PodmanSocket.find(Map.of("CONTAINER_HOST", "ssh://core@build-host:22/run/podman/podman.sock"), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ssh://core@build-host:22")
                .hasMessageContaining("forward Podman's socket");
    }

    @Test
    void aRootlessUserGetsTheSocketInItsRuntimeDirectory() throws Exception {
        assertThat(PodmanSocket.ROOT_SOCKET).as("precondition: no root Podman socket on this machine").doesNotExist();
        Path socket = Files.createDirectories(runtimeDir.resolve("podman")).resolve("podman.sock");
        Map<String, String> env = Map.of("XDG_RUNTIME_DIR", runtimeDir.toString(), "CONTAINER_HOST", " ");
        // not started: still the one to name in the error, since root has none either
        assertThat(PodmanSocket.find(env, false)).isEqualTo(new DaemonEndpoint.UnixSocket(socket));
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(socket));
            assertThat(PodmanSocket.find(env, false)).isEqualTo(new DaemonEndpoint.UnixSocket(socket));
        }
        assertThat(PodmanSocket.howToStart(new DaemonEndpoint.UnixSocket(socket))).contains("systemctl --user");
    }

    @Test
    void rootAndAUserWithoutRuntimeDirectoryGetRootsSocket() throws Exception {
        Path socket = Files.createDirectories(runtimeDir.resolve("podman")).resolve("podman.sock");
        Files.createFile(socket);
        assertThat(PodmanSocket.find(Map.of("XDG_RUNTIME_DIR", runtimeDir.toString()), true))
                .as("root ignores XDG_RUNTIME_DIR, as Podman does").isEqualTo(new DaemonEndpoint.UnixSocket(PodmanSocket.ROOT_SOCKET));
        assertThat(PodmanSocket.find(Map.of(), false)).isEqualTo(new DaemonEndpoint.UnixSocket(PodmanSocket.ROOT_SOCKET));
        assertThat(PodmanSocket.howToStart(new DaemonEndpoint.UnixSocket(PodmanSocket.ROOT_SOCKET)))
                .contains("systemctl enable --now podman.socket");
    }

    @Test
    void thisProcessKnowsWhetherItIsRoot() {
        assertThat(PodmanSocket.runningAsRoot()).isEqualTo("root".equals(System.getProperty("user.name")));
    }
}
