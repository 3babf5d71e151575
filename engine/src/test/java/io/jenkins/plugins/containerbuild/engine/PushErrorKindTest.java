package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.PushImageStep.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The daemon's push errors as they are written (docker 20.10 and 26.1 against docker-registry), and what each means. The
 * addresses in them carry ports and repository names that must not be read as causes: two fault tests failed when
 * the lab's random registry port happened to be 44017 ("401") or 40467 ("404").
 */
class PushErrorKindTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            unauthorized: authentication required                                                                   | AUTH
            no basic auth credentials                                                                               | AUTH
            denied: requested access to the resource is denied                                                      | AUTH
            received unexpected HTTP status: 401 Unauthorized                                                       | AUTH
            received unexpected HTTP status: 403 Forbidden                                                          | AUTH
            An image does not exist locally with the tag: localhost:5000/x                                          | NOT_ON_DAEMON
            tag does not exist: localhost:5000/it/absent-6d47c8f2:1                                                 | NOT_ON_DAEMON
            content digest sha256:1c2c9c76f566d05ce496e0da8dd4fc02ea817353f434fa5e1e284dfcbea30120: not found        | LAYER_NOT_ON_DAEMON
            name unknown: repository name not known to registry                                                     | NOT_ON_REGISTRY
            received unexpected HTTP status: 404 Not Found                                                          | NOT_ON_REGISTRY
            received unexpected HTTP status: 500 Internal Server Error                                              | TRANSIENT
            Get "http://localhost:44017/v2/": read tcp 127.0.0.1:51740->127.0.0.1:44017: read: connection reset by peer | TRANSIENT
            Put "http://localhost:40467/v2/it/gone-d0333e2a/manifests/1": EOF                                       | TRANSIENT
            Put "http://localhost:5000/v2/denied/unauthorized-404/manifests/1": EOF                                 | TRANSIENT
            Get "https://localhost:5002/v2/": dial tcp 127.0.0.1:5002: connect: connection refused                 | TRANSIENT
            net/http: TLS handshake timeout                                                                         | TRANSIENT
            failed commit on ref "manifest-sha256:4579fd": unexpected status from PUT request to http://localhost:38035/v2/it/flaky-04f9bdb2/manifests/1: 503 Service Unavailable | TRANSIENT
            failed commit on ref "manifest-sha256:4579fd": unexpected status from PUT request to http://localhost:5001/v2/it/401/manifests/1: 401 Unauthorized | AUTH
            unexpected status from HEAD request to http://localhost:40117/v2/it/x-d0333e2a/blobs/sha256:5031a: 500 Internal Server Error | TRANSIENT
            unexpected status from PUT request to http://localhost:5000/v2/it/503/manifests/401: 400 Bad Request      | OTHER
            tag does not match the expected pattern                                                                 | OTHER
            blob upload invalid: digest sha256:4010401404abc did not match                                          | OTHER
            """)
    void eachErrorIsReadByItsWordsNotByTheAddressesInIt(String message, Kind kind) {
        assertThat(PushImageStep.kindOf(message)).as(message).isEqualTo(kind);
    }
}
