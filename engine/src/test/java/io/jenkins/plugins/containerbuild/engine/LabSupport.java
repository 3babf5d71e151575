package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** Small helpers shared by the lab-backed engine tests. */
final class LabSupport {

    private LabSupport() {}

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Writes a Dockerfile and any extra files into {@code dir}. */
    static Path context(Path dir, String dockerfile, String... namesAndContents) throws IOException {
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        for (int i = 0; i + 1 < namesAndContents.length; i += 2) {
            Path p = dir.resolve(namesAndContents[i]);
            Files.createDirectories(p.getParent());
            Files.writeString(p, namesAndContents[i + 1]);
        }
        return dir;
    }

    /** The digest the plain registry serves for {@code repo:tag}, read over HTTP from the registry itself. */
    /**
     * Builds a small image with unique content on the host daemon, tagged {@code keep} so that it stays while
     * push tests add and remove tags of their own; returns its id.
     */
    static String buildKeptImage(Path dir, String keep) throws Exception {
        context(dir, "FROM " + Lab.get().baseImage() + "\nCOPY data /data\n", "data", unique("payload"));
        try (ContainerEngine engine = ContainerEngine.connect(Lab.get().dood(), new RecordingSink())) {
            return engine.build(BuildRequest.builder(dir).tag(keep).build()).imageId();
        }
    }

    static String registryDigest(String registry, String repo, String tag) throws IOException, InterruptedException {
        HttpRequest head = HttpRequest.newBuilder(URI.create("http://" + registry.replace("localhost", "127.0.0.1")
                        + "/v2/" + repo + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .build();
        HttpResponse<Void> r = HttpClient.newHttpClient().send(head, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("registry answered " + r.statusCode() + " for " + repo + ":" + tag);
        }
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    /** Containers on the host daemon that carry the project's owner label with this owner. */
    static List<String> labelledContainers(String owner) {
        String out = Lab.get().docker("ps", "-aq", "--filter", "label=io.jenkins.containerbuild.owner=" + owner);
        return out.lines().filter(s -> !s.isBlank()).toList();
    }

    static void removeImages(String... refs) {
        for (String r : refs) {
            Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + Lab.get().hostSocket(), "rmi", "-f", r), null, false);
        }
    }
}
