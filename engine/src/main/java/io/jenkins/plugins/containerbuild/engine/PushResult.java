package io.jenkins.plugins.containerbuild.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a push delivered: per tag, the manifest digest and size the registry stored. */
public record PushResult(List<PushedTag> pushed) {

    public PushResult {
        pushed = List.copyOf(pushed);
    }

    /** Digest by tag, in push order. */
    public Map<String, String> digests() {
        Map<String, String> m = new LinkedHashMap<>();
        for (PushedTag p : pushed) {
            m.put(p.reference(), p.digest());
        }
        return m;
    }

    /** One pushed reference with its digest ({@code sha256:...}) and manifest size in bytes. */
    public record PushedTag(String reference, String digest, long size) {}
}
