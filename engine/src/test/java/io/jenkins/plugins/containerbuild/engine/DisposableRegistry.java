package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A registry of a fault test's own: the Debian {@code docker-registry} (distribution 2.8) on a free loopback port,
 * plain HTTP, no auth (or htpasswd auth for one user of the test's own), with its config and storage in a fresh
 * directory. Tests may kill it and start it again on
 * the same port and storage; {@link #close()} stops it and removes its directory.
 */
final class DisposableRegistry implements AutoCloseable {

    private final Path root;
    private int port;
    private Process registry;

    DisposableRegistry() throws Exception {
        this(null, null);
    }

    /**
     * A registry that accepts only {@code user} with {@code password}. The password goes to {@code htpasswd} on its
     * standard input; only its bcrypt hash is written to disk.
     */
    DisposableRegistry(String user, String password) throws Exception {
        root = Files.createDirectories(Path.of("/var/tmp", "cbr-" + UUID.randomUUID().toString().substring(0, 8)));
        String auth = user == null ? "" : "auth: {htpasswd: {realm: disposable, path: " + htpasswd(user, password)
                + "}}";
        // docker-registry cannot bind port 0 and say which port it got: a free port is picked, and when another
        // process takes it before the registry binds it, another one
        for (int attempt = 1; ; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(root.resolve("config.yml"), String.join("\n",
                    "version: 0.1",
                    "log: {level: warn}",
                    "storage: {filesystem: {rootdirectory: " + root.resolve("data") + "}, delete: {enabled: true}}",
                    "http:",
                    "  addr: 127.0.0.1:" + port,
                    "  headers: {X-Disposable-Registry: [" + root.getFileName() + "]}", // tells ours from another
                    auth,
                    ""));
            try {
                start();
                return;
            } catch (PortTakenException e) {
                if (attempt == 5) {
                    throw e;
                }
                Files.deleteIfExists(root.resolve("registry.log")); // its complaint belongs to the port given up
            }
        }
    }

    /** The port picked was bound by another process before the registry could bind it. */
    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }

    private Path htpasswd(String user, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("htpasswd", "-inB", user).redirectErrorStream(false).start();
        try (var in = p.getOutputStream()) {
            in.write(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String line = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !line.startsWith(user + ":$2")) {
            throw new IllegalStateException("htpasswd failed: " + new String(p.getErrorStream().readAllBytes()));
        }
        Path file = root.resolve("htpasswd");
        Files.writeString(file, line + "\n");
        return file;
    }

    Path root() {
        return root;
    }

    int port() {
        return port;
    }

    /** {@code localhost:PORT}: the daemon treats loopback registries as insecure (plain HTTP). */
    String address() {
        return "localhost:" + port;
    }

    /** Starts (or restarts) the registry and waits, under a deadline, for {@code /v2/} to answer. */
    void start() throws Exception {
        registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", root.resolve("config.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("registry.log").toFile()))
                .start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpResponse<Void> r = http.send(ping, HttpResponse.BodyHandlers.discarding());
                int status = r.statusCode();
                boolean ours = r.headers().allValues("X-Disposable-Registry").contains(root.getFileName().toString());
                if ((status == 200 || status == 401) && ours) { // 401: up, with auth
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (portTaken()) {
                registry.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new PortTakenException("port " + port + " was taken before the disposable registry bound it");
            }
            if (!registry.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("disposable registry did not come up: "
                        + Files.readString(root.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
    }

    private boolean portTaken() throws IOException {
        Path log = root.resolve("registry.log");
        return Files.exists(log) && Files.readString(log).contains("address already in use");
    }

    /** SIGKILL, as a crash would do it; waits until the process is gone (and reaped). */
    void kill() {
        registry.destroyForcibly();
        try {
            if (!registry.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("registry " + registry.pid() + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return registry.isAlive();
    }

    /** Whether the registry has a manifest for {@code repo:tag} (asked of the registry itself, not through a proxy). */
    boolean hasManifest(String repo, String tag) throws IOException, InterruptedException {
        HttpRequest head = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/" + repo + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .build();
        int status = HttpClient.newHttpClient().send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 200 && status != 404) {
            throw new IllegalStateException("registry answered " + status + " for " + repo + ":" + tag);
        }
        return status == 200;
    }

    @Override
    public void close() {
        if (registry.isAlive()) {
            kill();
        }
        Lab.exec(List.of("rm", "-rf", root.toString()), null, false);
        if (Files.exists(root)) {
            throw new UncheckedIOException(new IOException("could not remove " + root));
        }
    }
}
