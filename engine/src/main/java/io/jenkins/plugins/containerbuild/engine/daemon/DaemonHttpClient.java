package io.jenkins.plugins.containerbuild.engine.daemon;

import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.UnixSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.impl.DefaultContentLengthStrategy;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EmptyInputStream;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.net.URIAuthority;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP transport to a daemon: a unix socket, a plain {@code tcp://} address, or a {@code tcp://} address with
 * TLS from an {@link SSLContext} made in memory. It behaves as docker-java's {@code ApacheDockerHttpClient} does
 * (same HttpClient 5 pool, timeouts and response handling: closing a response aborts its request, so an endless
 * stream is never drained; with TLS the same host name check) but is plain HttpClient 5 otherwise: docker-java's
 * client always sets up the JVM's default TLS context and the public-suffix list for host name checks, which cost a
 * short-lived CLI about a fifth of its start-up and are never used on a unix socket. Cookie handling is off too: the
 * Docker API sets no cookies, and HttpClient's default cookie rules load the same list. A {@link SelfWritingBody}
 * is written straight into the request.
 */
final class DaemonHttpClient implements DockerHttpClient {

    private final CloseableHttpClient client;
    private final HttpHost host;

    /** {@code daemon}: {@code unix:///path} or {@code tcp://host:port}, with TLS when {@code tls} is not null. */
    DaemonHttpClient(URI daemon, SSLContext tls, int maxConnections, Duration connectTimeout,
                          Duration responseTimeout) {
        String socketPath;
        DnsResolver dns;
        switch (daemon.getScheme()) {
            case "unix" -> {
                socketPath = daemon.getPath();
                host = new HttpHost("unix", "localhost", 2375); // the socket is the address; this names the route
                dns = new LoopbackResolver();
            }
            case "tcp" -> {
                socketPath = null;
                host = new HttpHost(tls != null ? "https" : "http", daemon.getHost(), daemon.getPort());
                dns = null; // the system resolver
            }
            default -> throw new IllegalArgumentException("No transport for " + daemon);
        }
        if (tls != null && socketPath != null) {
            throw new IllegalArgumentException("No TLS on a unix socket: " + daemon);
        }
        // the host name checks of docker-java's client, without the public-suffix list (no wildcard certificates
        // for a daemon)
        TlsSocketStrategy tlsStrategy = tls != null
                ? new DefaultClientTlsStrategy(tls, HostnameVerificationPolicy.CLIENT, new DefaultHostnameVerifier())
                : null;
        DefaultHttpClientConnectionOperator operator = new DefaultHttpClientConnectionOperator(
                proxy -> socketPath != null ? UnixSocket.get(socketPath) : proxy != null ? new Socket(proxy) : new Socket(),
                null, dns, name -> "https".equals(name) ? tlsStrategy : null);
        // "Transfer-Encoding: identity" means: read to the end of the connection
        ContentLengthStrategy identityAware = message -> {
            Header te = message.getFirstHeader("Transfer-Encoding");
            return te != null && "identity".equalsIgnoreCase(te.getValue())
                    ? ContentLengthStrategy.UNDEFINED
                    : DefaultContentLengthStrategy.INSTANCE.determineLength(message);
        };
        // This constructor is marked @Internal in httpclient5 (5.4 to 5.6 alike), and no public API does what it does
        // here: PoolingHttpClientConnectionManagerBuilder (5.5, 5.6) takes a TLS strategy, a DnsResolver and a
        // connection factory, but no socket factory, so it cannot reach a unix socket (its one hook for the connection
        // operator, createConnectionOperator, is @Internal too), and without a TLS strategy it sets up the JVM's
        // default TLS context and the public-suffix host name checker. The public alternatives are the
        // Registry<ConnectionSocketFactory> constructors, deprecated since 5.4. DaemonModesTest, ContextUploadTest,
        // TlsHostNameTest and DaemonFaultTest cover every path through it.
        PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager(operator, null, null, null,
                new ManagedHttpClientConnectionFactory(null, null, null, null, identityAware, null));
        pool.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.ZERO_MILLISECONDS).build());
        pool.setMaxTotal(maxConnections);
        pool.setDefaultMaxPerRoute(maxConnections);
        pool.setDefaultConnectionConfig(ConnectionConfig.custom()
                .setValidateAfterInactivity(TimeValue.NEG_ONE_SECOND)
                .setConnectTimeout(timeout(connectTimeout))
                .build());
        client = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(timeout(responseTimeout)).build())
                .disableConnectionState()
                .disableCookieManagement()
                .setDefaultCookieSpecRegistry(name -> null) // the default one parses the public-suffix list
                .build();
    }

    private static Timeout timeout(Duration d) {
        return d != null ? Timeout.of(d.toNanos(), TimeUnit.NANOSECONDS) : null;
    }

    @Override
    public Response execute(Request request) {
        if (request.hijackedInput() != null) {
            throw new UnsupportedOperationException("hijacked streams are not supported by this transport");
        }
        HttpUriRequestBase http = new HttpUriRequestBase(request.method(), URI.create(request.path()));
        http.setScheme(host.getSchemeName());
        http.setAuthority(new URIAuthority(host.getHostName(), host.getPort()));
        request.headers().forEach(http::addHeader);
        byte[] bytes = request.bodyBytes();
        if (bytes != null) {
            http.setEntity(new ByteArrayEntity(bytes, null));
        } else if (request.body() instanceof SelfWritingBody body) {
            http.setEntity(new SelfWritingEntity(body));
            body.abortRequestOnClose(http::abort);
        } else if (request.body() != null) {
            http.setEntity(new InputStreamEntity(request.body(), null));
        }
        try {
            return new PlainResponse(http, client.executeOpen(host, http, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    /**
     * A body that writes itself into the request's chunked stream, in the pieces it makes (the context tar writer
     * writes 64 KiB at a time): an {@link InputStreamEntity} would copy it through a 4 KiB buffer, one chunk and
     * several socket writes per 4 KiB.
     */
    private static final class SelfWritingEntity extends AbstractHttpEntity {
        private final SelfWritingBody body;

        SelfWritingEntity(SelfWritingBody body) {
            super((String) null, null, true);
            this.body = body;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            body.writeTo(out);
        }

        @Override
        public InputStream getContent() {
            return body;
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public void close() {
            // the body belongs to the caller: closing it would abort the request
        }
    }

    /** A unix socket route needs an address but connects to the socket path: give it loopback, no DNS lookup. */
    private static final class LoopbackResolver implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) {
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    private record PlainResponse(HttpUriRequestBase request, ClassicHttpResponse response) implements Response {

        @Override
        public int getStatusCode() {
            return response.getCode();
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (Header h : response.getHeaders()) {
                headers.computeIfAbsent(h.getName(), k -> new java.util.ArrayList<>()).add(h.getValue());
            }
            return headers;
        }

        @Override
        public String getHeader(String name) {
            Header h = response.getFirstHeader(name);
            return h != null ? h.getValue() : null;
        }

        @Override
        public InputStream getBody() {
            HttpEntity entity = response.getEntity();
            try {
                return entity != null ? entity.getContent() : EmptyInputStream.INSTANCE;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                request.abort(); // do not read the rest of a stream that is being given up
            } catch (RuntimeException ignored) {
                // already done
            }
            try {
                response.close();
            } catch (IOException ignored) {
                // the connection is dropped either way
            }
        }
    }
}
