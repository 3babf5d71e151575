package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A TLS registry with the lab's htpasswd login, named by the machine's host name ({@code vm:PORT}), which
 * {@code /etc/hosts} maps to a loopback address; its certificate is signed by the lab CA, and the daemon trusts it
 * through {@code /etc/docker/certs.d/NAME:PORT/ca.crt} for as long as it runs.
 *
 * <p>Why not the lab's own TLS registry for BuildKit: BuildKit (0.8 in Docker 20.10, still 0.13 in 26.1) speaks plain
 * HTTP to {@code localhost} and to every loopback IP address unless the daemon is configured otherwise, so it cannot
 * pull from the TLS registry on {@code localhost:5002} (it gets "400 Bad Request" from the TLS port). A host name is
 * not taken for localhost even when it resolves to loopback, so BuildKit pulls from this registry over verified TLS,
 * as from any registry elsewhere. {@link #close()} stops it and removes its directory and the daemon's trust entry.
 */
public final class TlsAuthRegistry implements AutoCloseable {

    private final String name;
    private final InetAddress address;
    private final Path root;
    private final int port;
    private final Path trust;
    private final Process registry;

    public TlsAuthRegistry() throws Exception {
        Lab lab = Lab.get();
        name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        address = InetAddress.getByName(name);
        if (!address.isLoopbackAddress()) {
            throw new IllegalStateException("The host name " + name + " resolves to " + address.getHostAddress()
                    + ", not to a loopback address: map it to 127.0.1.1 in /etc/hosts, as Debian does.");
        }
        root = Files.createDirectories(Path.of("/var/tmp", "cbr-tls-" + UUID.randomUUID().toString().substring(0, 8)));
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            port = s.getLocalPort();
        }
        Path key = root.resolve("key.pem");
        Path csr = root.resolve("cert.csr");
        Path cert = root.resolve("cert.pem");
        Path ext = root.resolve("san.ext");
        Files.writeString(ext, "subjectAltName=DNS:" + name + "\n");
        Lab.exec(List.of("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-subj", "/CN=" + name, "-out", csr.toString()), null, true);
        Lab.exec(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", lab.certs().resolve("ca.pem").toString(),
                "-CAkey", lab.certs().resolve("ca-key.pem").toString(), "-set_serial",
                Long.toString(System.nanoTime() & Long.MAX_VALUE), "-days", "1",
                "-extfile", ext.toString(), "-out", cert.toString()), null, true);
        Files.writeString(root.resolve("config.yml"), String.join("\n",
                "version: 0.1",
                "log: {level: warn}",
                "storage: {filesystem: {rootdirectory: " + root.resolve("data") + "}, delete: {enabled: true}}",
                "http:",
                "  addr: " + address.getHostAddress() + ":" + port,
                "  tls: {certificate: " + cert + ", key: " + key + "}",
                "auth: {htpasswd: {realm: containerbuild-test, path: " + Path.of(lab.fact("LAB_DIR"), "htpasswd") + "}}",
                ""));
        trust = Path.of("/etc/docker/certs.d", host());
        Files.createDirectories(trust);
        Files.copy(lab.certs().resolve("ca.pem"), trust.resolve("ca.crt"));
        registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", root.resolve("config.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("registry.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!listening()) {
            if (!registry.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(root.resolve("registry.log"));
                close();
                throw new IllegalStateException("TLS registry did not come up: " + log);
            }
            Thread.sleep(50);
        }
    }

    /** {@code NAME:PORT}. */
    public String host() {
        return name + ":" + port;
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        registry.destroyForcibly();
        registry.waitFor(30, TimeUnit.SECONDS);
        Lab.exec(List.of("rm", "-rf", root.toString(), trust.toString()), null, true);
    }
}
