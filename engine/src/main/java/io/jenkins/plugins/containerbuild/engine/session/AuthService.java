package io.jenkins.plugins.containerbuild.engine.session;

import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoReader;
import io.jenkins.plugins.containerbuild.engine.proto.ProtoWriter;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * BuildKit's registry auth service ({@code moby.filesync.v1.Auth}), asked by the daemon when a registry it pulls
 * from (a base image, a cache source) wants a login. {@code Credentials} answers with the credentials given for
 * exactly the host the daemon names, Docker Hub's several names being one; any other host gets an empty answer,
 * which is how BuildKit's own client says "none". The daemon then fetches tokens itself.
 *
 * <pre>
 * CredentialsRequest  { string Host = 1; }
 * CredentialsResponse { string Username = 1; string Secret = 2; }
 * </pre>
 *
 * An identity token goes as the secret with an empty username, as the docker CLI sends it: BuildKit then trades it
 * at the registry's token service as an OAuth refresh token. The token methods ({@code FetchToken},
 * {@code GetTokenAuthority}, {@code VerifyTokenAuthority}), with which a client could fetch tokens on the daemon's
 * behalf, answer UNIMPLEMENTED: BuildKit 0.8 and 0.13 treat that as "no token authority" and use
 * {@code Credentials}.
 */
public final class AuthService implements SessionService {

    private static final String SERVICE = "/moby.filesync.v1.Auth/";
    static final String CREDENTIALS = SERVICE + "Credentials";
    static final String FETCH_TOKEN = SERVICE + "FetchToken";
    static final String GET_TOKEN_AUTHORITY = SERVICE + "GetTokenAuthority";
    static final String VERIFY_TOKEN_AUTHORITY = SERVICE + "VerifyTokenAuthority";

    private final Map<String, RegistryCredentials> byHost;
    private final EventSink events;
    private final Set<String> announced = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param byHost credentials by registry host as {@link RegistryHost#normalize} makes it
     * @param events told once per host which hosts the daemon asked for and whether credentials were given (never
     *               the credentials)
     */
    public AuthService(Map<String, RegistryCredentials> byHost, EventSink events) {
        Map<String, RegistryCredentials> copy = new LinkedHashMap<>();
        byHost.forEach((host, c) -> copy.put(RegistryHost.normalize(host), c));
        this.byHost = Map.copyOf(copy);
        this.events = events;
    }

    @Override
    public List<String> methods() {
        return List.of(CREDENTIALS, FETCH_TOKEN, GET_TOKEN_AUTHORITY, VERIFY_TOKEN_AUTHORITY);
    }

    @Override
    public void serve(Http2Stream call) throws IOException {
        if (!call.path().equals(CREDENTIALS)) {
            call.finish(Http2Stream.UNIMPLEMENTED, "this client fetches no registry tokens: use Credentials");
            return;
        }
        byte[] request = call.readMessage();
        String host = request == null ? "" : host(request);
        RegistryCredentials c = credentialsFor(host);
        announce(host, c != null);
        ProtoWriter response = new ProtoWriter(64);
        if (c != null) {
            if (c.identityToken() != null) {
                response.string(2, c.identityToken());
            } else {
                response.string(1, c.username()).string(2, c.password());
            }
        }
        call.sendMessage(response.toByteArray());
        call.finish(Http2Stream.OK, null);
    }

    /** The credentials for the host the daemon named, or null when none were given for it. */
    RegistryCredentials credentialsFor(String host) {
        if (closed) {
            return null;
        }
        String normalized;
        try {
            normalized = RegistryHost.normalize(host);
        } catch (IllegalArgumentException e) {
            return null; // not a host name: no credentials were given for it
        }
        return byHost.get(normalized);
    }

    private void announce(String host, boolean given) {
        if (announced.add(host)) {
            events.accept(new EngineEvent.Phase(given
                    ? "Registry credentials for " + host + " given to the daemon"
                    : "The daemon asked for credentials for " + host + ": none were given for it, so it pulls"
                    + " without them"));
        }
    }

    private static String host(byte[] request) throws IOException {
        ProtoReader r = new ProtoReader(request);
        String host = "";
        while (r.hasRemaining()) {
            int tag = r.readTag();
            if (tag == (1 << 3 | ProtoReader.LENGTH_DELIMITED)) {
                host = r.readString();
            } else {
                r.skipField(tag);
            }
        }
        return host;
    }

    /** After the session, nothing is handed out any more. */
    @Override
    public void close() {
        closed = true;
    }
}
