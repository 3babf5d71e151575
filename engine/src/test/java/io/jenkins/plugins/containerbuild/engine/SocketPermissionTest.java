package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket the user may not open gives DaemonPermissionException. The tests run as root, which ignores file
 * modes, so the probe runs in a child JVM whose capability bounding set lacks DAC override.
 */
class SocketPermissionTest {

    @Test
    void socketOfAnotherUserIsPermissionDenied(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            UserPrincipalLookupService users = socket.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(socket, users.lookupPrincipalByName("nobody"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Lab.Result r = Lab.exec(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--",
                    java, "-cp", System.getProperty("java.class.path"), PermissionProbe.class.getName(),
                    socket.toString()), null, true);
            assertThat(r.stdout()).startsWith("DaemonPermissionException: Permission denied on the daemon socket unix://" + socket)
                    .contains("docker");
        }
    }
}
