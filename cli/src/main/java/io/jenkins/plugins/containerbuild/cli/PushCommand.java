package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.PushResult;
import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code containerbuild push}: pushes every tag, the digests on stdout. */
final class PushCommand {

    private PushCommand() {}

    static int run(Invocation inv) throws UsageException, ContainerEngineException, InterruptedException {
        Options o = inv.options();
        PushRequest.Builder b = PushRequest.builder();
        PushRequest request;
        try {
            for (String tag : o.tags) {
                b.tag(tag);
            }
            if (o.timeout != null) {
                b.timeout(o.timeout);
            }
            if (o.passwordStdin) {
                String password = readPassword(inv.stdin(), o);
                inv.console().addSecret(password);
                b.credentials(new RegistryCredentials(o.username, password));
            }
            request = b.build(); // refuses tags on another registry than the credentials'
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), o.command, e);
        }
        DaemonEndpoint endpoint = DaemonSelection.resolve(o, inv.env(), inv.cwd());
        PushResult result;
        try (ContainerEngine engine = ContainerEngine.connect(endpoint, inv.console())) {
            result = engine.push(request);
        }
        if (o.json) {
            inv.out().println(JsonOutput.of(Map.of("digests", result.digests())));
        } else {
            for (Map.Entry<String, String> e : result.digests().entrySet()) {
                inv.out().println(e.getKey() + " " + e.getValue());
            }
        }
        inv.out().flush();
        return 0;
    }

    /** The whole of stdin, without its trailing line break(s), as {@code docker login --password-stdin} does. */
    static String readPassword(InputStream stdin, Options o) throws UsageException {
        String text;
        try {
            text = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("--password-stdin could not read standard input: " + e.getMessage(), o.command, e);
        }
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new UsageException("--password-stdin got an empty password: pipe the password into the command.",
                    o.command);
        }
        return text.substring(0, end);
    }
}
