package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The password goes to the daemon only in the X-Registry-Auth header" (docs/credentials.md), read off the wire: a
 * recording proxy in front of the daemon's unix socket keeps every byte the engine sends while it pushes, with the
 * right password and with a wrong one, to a registry of the test's own with a password of its own. The password in
 * any of its forms (plain, URL-encoded, base64 at any alignment) is in no request line, query string, other header
 * or body; and no file new or changed under the home, /tmp and /var/tmp folders holds it (no config.json, nothing).
 */
class PasswordOnlyInRegistryAuthTest {

    private static final Lab lab = Lab.get();
    private static final String KEEP = "password-wire-test:" + LabSupport.unique("keep");
    private static final Pattern AUTH_HEADER = Pattern.compile("(?im)^X-Registry-Auth: *([^\r\n]*)\r\n");
    private static String image;

    @BeforeAll
    static void buildOnce(@TempDir Path dir) throws Exception {
        image = LabSupport.buildKeptImage(dir, KEEP);
    }

    @AfterAll
    static void removeImage() {
        LabSupport.removeImages(KEEP, image);
    }

    private static String password() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "Pw+" + HexFormat.of().formatHex(b) + "/=?&";
    }

    @Test
    void thePasswordTravelsOnlyInXRegistryAuthAndIsWrittenNowhere(@TempDir Path dir) throws Exception {
        String password = password();
        String wrong = password();
        DiskSnapshot before = DiskSnapshot.take();
        try (DisposableRegistry registry = new DisposableRegistry("ci-user", password);
             RecordingSocketProxy proxy = new RecordingSocketProxy(dir.resolve("d.sock"), lab.hostSocket());
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(proxy.socket()),
                     new RecordingSink())) {
            String ref = registry.address() + "/wire/" + LabSupport.unique("img").toLowerCase() + ":1";
            engine.tag(image, ref);
            try {
                Throwable refused = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref).retries(0)
                        .credentials(new RegistryCredentials("ci-user", wrong)).build()));
                assertThat(refused).isInstanceOf(RegistryAuthException.class);
                PushResult pushed = engine.push(PushRequest.builder().tag(ref)
                        .credentials(new RegistryCredentials("ci-user", password)).build());
                assertThat(pushed.digests().get(ref)).startsWith("sha256:");
            } finally {
                engine.remove(ref);
            }

            String sent = proxy.sentText();
            assertThat(proxy.connections()).isPositive();
            assertThat(sent).contains("/push?tag=1"); // the push requests went through the proxy
            List<String> headerJson = new ArrayList<>();
            Matcher m = AUTH_HEADER.matcher(sent);
            while (m.find()) {
                headerJson.add(new String(Base64.getUrlDecoder().decode(m.group(1).strip()), StandardCharsets.UTF_8));
            }
            // the header did carry each password (the engine's JSON escapes nothing in these characters)
            assertThat(headerJson).anyMatch(j -> j.contains("\"password\":\"" + password + "\""));
            assertThat(headerJson).anyMatch(j -> j.contains("\"password\":\"" + wrong + "\""));

            String withoutAuthHeaders = AUTH_HEADER.matcher(sent).replaceAll("");
            for (String secret : List.of(password, wrong)) {
                for (String form : DiskSnapshot.forms(secret)) {
                    assertThat(withoutAuthHeaders).as("sent to the daemon outside X-Registry-Auth")
                            .doesNotContain(form);
                }
            }
        }
        Set<String> needles = new LinkedHashSet<>(DiskSnapshot.forms(password));
        needles.addAll(DiskSnapshot.forms(wrong));
        assertThat(before.changedFilesContaining(needles)).as("files that hold the password").isEmpty();
    }
}
