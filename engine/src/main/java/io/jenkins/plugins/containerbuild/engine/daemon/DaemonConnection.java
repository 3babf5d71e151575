package io.jenkins.plugins.containerbuild.engine.daemon;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.DaemonPermissionException;
import io.jenkins.plugins.containerbuild.engine.DaemonTlsException;
import io.jenkins.plugins.containerbuild.engine.DaemonUnreachableException;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * An open connection to one daemon (unix socket or TCP): the docker-java client for ordinary commands, the raw
 * transport for streams, and the API version agreed with the daemon. Only the control transport is made when
 * connecting (to agree on the version); the streaming transport and the docker-java client are made on first use,
 * so that a short-lived client pays only for what it calls. Without TLS the transports set up no TLS at all.
 */
public final class DaemonConnection implements Closeable {

    /** The newest API this code speaks; a newer daemon is asked for this one. */
    static final ApiVersion NEWEST_SUPPORTED = ApiVersion.parse("1.47");
    /** BuildKit through the build endpoint needs at least this. */
    static final ApiVersion OLDEST_SUPPORTED = ApiVersion.parse("1.40");

    private final DaemonEndpoint endpoint;
    private final URI host;
    private final PemSslConfig ssl;
    private final Timeouts timeouts;
    private final DockerHttpClient control;
    private final ApiVersion apiVersion;
    private final DaemonProduct product;
    private DockerHttpClient streaming; // made on first use, guarded by this
    private DockerClient docker; // made on first use, guarded by this
    private boolean closed; // guarded by this

    private DaemonConnection(DaemonEndpoint endpoint, URI host, PemSslConfig ssl, Timeouts timeouts,
                             DockerHttpClient control, ApiVersion apiVersion, DaemonProduct product) {
        this.endpoint = endpoint;
        this.host = host;
        this.ssl = ssl;
        this.timeouts = timeouts;
        this.control = control;
        this.apiVersion = apiVersion;
        this.product = product;
    }

    /**
     * Connects to a unix socket or TCP daemon, agrees on the API version and tells from the ping what the daemon is
     * (Docker Engine or Podman). DinD is handled by the engine.
     */
    public static DaemonConnection open(DaemonEndpoint endpoint, Timeouts timeouts) throws ContainerEngineException {
        URI host;
        PemSslConfig ssl = null;
        switch (endpoint) {
            case DaemonEndpoint.UnixSocket u -> host = URI.create("unix://" + u.socket());
            case DaemonEndpoint.Tcp t -> {
                host = t.uri();
                if (t.tls() != null) {
                    try {
                        ssl = new PemSslConfig(t.tls());
                    } catch (IOException e) {
                        throw new DaemonTlsException(e.getMessage(), e);
                    }
                }
            }
            case DaemonEndpoint.Dind d -> throw new IllegalArgumentException("open the DinD host first: " + d);
        }
        DockerHttpClient control = httpClient(host, ssl, timeouts.connect(), timeouts.request());
        try {
            Ping answer = ping(control, endpoint);
            ApiVersion daemonVersion = answer.apiVersion();
            if (daemonVersion.compareTo(OLDEST_SUPPORTED) < 0) {
                throw new ContainerEngineException("The daemon at " + endpoint + " speaks Docker API " + daemonVersion
                        + ", older than " + OLDEST_SUPPORTED + ": upgrade it to Docker Engine 19.03 or newer.");
            }
            ApiVersion agreed = daemonVersion.compareTo(NEWEST_SUPPORTED) > 0 ? NEWEST_SUPPORTED : daemonVersion;
            return new DaemonConnection(endpoint, host, ssl, timeouts, control, agreed, answer.product());
        } catch (ContainerEngineException | RuntimeException e) {
            closeQuietly(control);
            throw e;
        }
    }

    private static DockerHttpClient httpClient(URI host, PemSslConfig ssl, java.time.Duration connect,
                                               java.time.Duration response) {
        return new DaemonHttpClient(host, ssl != null ? ssl.getSSLContext() : null, 16, connect, response);
    }

    /** What the daemon's {@code /_ping} reply says: its API version, and from its headers what it is. */
    private record Ping(ApiVersion apiVersion, DaemonProduct product) {}

    private static Ping ping(DockerHttpClient client, DaemonEndpoint endpoint) throws ContainerEngineException {
        DockerHttpClient.Request ping = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path("/_ping").build();
        try (DockerHttpClient.Response r = client.execute(ping)) {
            if (r.getStatusCode() != 200) {
                throw new DaemonUnreachableException("The daemon at " + endpoint + " answered /_ping with HTTP "
                        + r.getStatusCode() + ": check that the address points at a Docker daemon.");
            }
            String v = header(r.getHeaders(), "Api-Version");
            if (v == null) {
                throw new DaemonUnreachableException("The service at " + endpoint
                        + " sent no API version: check that the address points at a Docker daemon.");
            }
            return new Ping(ApiVersion.parse(v), DaemonProduct.fromPing(r.getHeaders()));
        } catch (RuntimeException e) {
            if (endpoint instanceof DaemonEndpoint.Tcp t && t.tls() != null && closedDuringHandshake(e)) {
                // TLS 1.3 servers reject a client certificate after the handshake, by closing the connection
                throw new DaemonTlsException("The daemon at " + endpoint + " closed the TLS connection at once ("
                        + rootMessage(e) + "): it does not trust the client certificate; use one signed by the CA the"
                        + " daemon was started with.", e);
            }
            throw classify(e, endpoint);
        }
    }

    private static boolean closedDuringHandshake(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = Objects.toString(t.getMessage(), "");
            if (t instanceof java.net.SocketException && (m.contains("Broken pipe") || m.contains("Connection reset"))) {
                return true;
            }
        }
        return false;
    }

    static String header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && !h.getValue().isEmpty()) {
                return h.getValue().get(0);
            }
        }
        return null;
    }

    /** Turns a transport failure into the exception a user can act on. */
    public static ContainerEngineException classify(Throwable e, DaemonEndpoint endpoint) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new DaemonTlsException("TLS with the daemon at " + endpoint + " failed (" + t.getMessage()
                        + "): check that the CA signed the daemon's certificate and that the daemon trusts the client certificate.", e);
            }
            String m = Objects.toString(t.getMessage(), "");
            if (m.contains("Permission denied") || m.contains("[13]")) {
                return new DaemonPermissionException("Permission denied on the daemon socket " + endpoint
                        + ": run as a user in the socket's group (often 'docker') or use another daemon.", e);
            }
        }
        return new DaemonUnreachableException("The Docker daemon at " + endpoint + " cannot be reached (" + rootMessage(e)
                + "): check that it runs and that the address is right.", e);
    }

    /**
     * A transport failure after the daemon had answered, while its reply streamed: the daemon died or the
     * connection was cut. TLS and permission problems keep their own kinds.
     */
    public static ContainerEngineException brokenDuring(String what, Throwable e, DaemonEndpoint endpoint) {
        ContainerEngineException c = classify(e, endpoint);
        if (!(c instanceof DaemonUnreachableException)) {
            return c;
        }
        return new DaemonUnreachableException("The connection to the Docker daemon at " + endpoint + " broke during the "
                + what + " (" + rootMessage(e) + "): check that it runs (its log tells why it stopped or dropped the"
                + " connection), then run the " + what + " again.", e);
    }

    /** True when the failure is the HTTP client noticing the thread's interrupt: an abort, not a daemon fault. */
    public static boolean isInterruption(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.util.concurrent.CancellationException) {
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
    }

    public DaemonEndpoint endpoint() {
        return endpoint;
    }

    public ApiVersion apiVersion() {
        return apiVersion;
    }

    /** Docker Engine or Podman, as the daemon's {@code /_ping} reply said when the connection was opened. */
    public DaemonProduct product() {
        return product;
    }

    /**
     * A byte stream to the daemon outside HTTP, for a request the daemon upgrades (a BuildKit session); TLS with
     * the same context as this connection's HTTP transport.
     */
    public RawDaemonSocket openRawSocket() throws IOException {
        synchronized (this) {
            checkOpen();
        }
        return RawDaemonSocket.connect(endpoint, ssl != null ? ssl.getSSLContext() : null, timeouts.connect(),
                timeouts.request());
    }

    /** The docker-java client, for ordinary commands. */
    public synchronized DockerClient docker() {
        checkOpen();
        if (docker == null) {
            DefaultDockerClientConfig config = new DefaultDockerClientConfig.Builder()
                    .withDockerHost(host.toString())
                    .withDockerTlsVerify(false) // TLS is set up on the transport itself, from memory
                    .withApiVersion(apiVersion.toString())
                    .build();
            docker = DockerClientImpl.getInstance(config, control);
        }
        return docker;
    }

    private synchronized DockerHttpClient streaming() {
        checkOpen();
        if (streaming == null) {
            streaming = httpClient(host, ssl, timeouts.connect(), timeouts.streamIdle());
        }
        return streaming;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The connection to " + endpoint + " is closed.");
        }
    }

    /** Prefixes a path with the agreed API version: {@code /v1.41/build}. */
    public String path(String path) {
        return "/v" + apiVersion + path;
    }

    /** A request whose reply may stream for a long time. The caller closes the response. */
    public DockerHttpClient.Response stream(DockerHttpClient.Request request) {
        return streaming().execute(request);
    }

    /** A short request. The caller closes the response. */
    public DockerHttpClient.Response call(DockerHttpClient.Request request) {
        return control.execute(request);
    }

    @Override
    public void close() {
        DockerClient d;
        DockerHttpClient s;
        synchronized (this) {
            closed = true;
            d = docker;
            s = streaming;
        }
        closeQuietly(d);
        closeQuietly(control);
        closeQuietly(s);
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing left to do for a connection being dropped
        }
    }
}
