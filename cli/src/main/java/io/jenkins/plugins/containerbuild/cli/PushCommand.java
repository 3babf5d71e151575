package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.PushRequest;
import io.jenkins.plugins.containerbuild.engine.PushResult;
import io.jenkins.plugins.containerbuild.engine.RegistryCredentials;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code containerbuild push}: pushes every tag, the digests on stdout. With {@code --username} the password from
 * stdin serves every tag; without it each registry's login comes from the docker config file, and the tags are
 * pushed one registry after the other, each with its own login (or none). {@code build --push} uses the same
 * requests and pushes through the engine that built.
 */
final class PushCommand {

    private PushCommand() {}

    static int run(Invocation inv) throws UsageException, ContainerEngineException, InterruptedException {
        Options o = inv.options();
        List<PushRequest> requests = requests(inv);
        DaemonEndpoint endpoint = DaemonSelection.resolve(o, inv.env(), inv.cwd());
        Map<String, String> digests;
        try (ContainerEngine engine = ContainerEngine.connect(endpoint, inv.console())) {
            digests = push(engine, requests, o.tags);
        }
        if (o.json) {
            inv.out().println(JsonOutput.of(Map.of("digests", digests)));
        } else {
            print(inv, digests);
        }
        inv.out().flush();
        return 0;
    }

    /**
     * The push requests of the command line's tags, with their logins: the password from stdin for every tag with
     * {@code --username}, else each registry's login from the docker config file, one request per registry. Read
     * before any daemon is contacted (also by {@code build --push}, before it builds): a missing or empty password is
     * a usage error, not a failure after the work.
     */
    static List<PushRequest> requests(Invocation inv) throws UsageException, InterruptedException {
        Options o = inv.options();
        List<PushRequest> requests = new ArrayList<>();
        try {
            if (o.passwordStdin) {
                String password = readPassword(inv.stdin(), o);
                inv.console().addSecret(password);
                requests.add(request(o, o.tags, new RegistryCredentials(o.username, password)));
            } else {
                Map<String, List<String>> byHost = new LinkedHashMap<>();
                for (String tag : o.tags) {
                    String host = RegistryHost.normalize(ImageReference.parse(tag).registryHost());
                    byHost.computeIfAbsent(host, h -> new ArrayList<>()).add(tag);
                }
                DockerConfig config = DockerConfig.load(inv.env(), o.command);
                for (Map.Entry<String, List<String>> e : byHost.entrySet()) {
                    RegistryCredentials login = config.credentials(e.getKey(), o.command).orElse(null);
                    if (login != null) {
                        inv.console().addSecret(login.identityToken() != null ? login.identityToken()
                                : login.password());
                    }
                    requests.add(request(o, e.getValue(), login)); // refuses tags of another registry
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), o.command, e);
        }
        return requests;
    }

    /** Pushes every request through {@code engine}; the digests in the order of {@code tags}. */
    static Map<String, String> push(ContainerEngine engine, List<PushRequest> requests, List<String> tags)
            throws ContainerEngineException, InterruptedException {
        Map<String, String> digests = new LinkedHashMap<>();
        for (PushRequest request : requests) {
            PushResult result = engine.push(request);
            digests.putAll(result.digests());
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String tag : tags) {
            if (digests.containsKey(tag)) {
                ordered.put(tag, digests.get(tag));
            }
        }
        digests.forEach(ordered::putIfAbsent);
        return ordered;
    }

    /** {@code TAG DIGEST} lines on stdout. */
    static void print(Invocation inv, Map<String, String> digests) {
        for (Map.Entry<String, String> e : digests.entrySet()) {
            inv.out().println(e.getKey() + " " + e.getValue());
        }
    }

    private static PushRequest request(Options o, List<String> tags, RegistryCredentials credentials) {
        PushRequest.Builder b = PushRequest.builder();
        for (String tag : tags) {
            b.tag(tag);
        }
        if (o.timeout != null) {
            b.timeout(o.timeout);
        }
        return b.credentials(credentials).build();
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
