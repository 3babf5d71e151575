package io.jenkins.plugins.containerbuild.engine;

import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import io.jenkins.plugins.containerbuild.engine.reference.RegistryHost;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to build: an immutable value made with {@link #builder(Path)}. Tags are validated when added. Pull
 * credentials, secrets and SSH keys are held in memory only; {@link #destroySecrets()} overwrites the secrets' bytes
 * when the owner of the request is done with it.
 */
public final class BuildRequest {

    static final String OCI_REVISION = "org.opencontainers.image.revision";
    static final String OCI_SOURCE = "org.opencontainers.image.source";

    private final Path context;
    private final Path dockerfile;
    private final String dockerfileOption;
    private final List<String> tags;
    private final Map<String, String> buildArgs;
    private final String target;
    private final Map<String, String> labels;
    private final boolean pull;
    private final boolean noCache;
    private final List<String> cacheFrom;
    /** The network modes a build may ask for. */
    /** {@code os[/arch[/variant]]}, lower case as Docker writes them. */
    private static final java.util.regex.Pattern PLATFORM =
            java.util.regex.Pattern.compile("[a-z0-9_]+(/[a-z0-9_]+(/[a-z0-9_]+)?)?");
    public static final java.util.Set<String> NETWORK_MODES = java.util.Set.of("default", "none", "host");

    private final String networkMode;
    private final String platform;
    private final BuilderKind builderKind;
    private final Map<String, RegistryCredentials> pullCredentials;
    private final Map<String, BuildSecret> secrets;
    private final Map<String, SshForward> ssh;
    private final BuildOutput output;

    private BuildRequest(Builder b) {
        this.context = b.context;
        this.dockerfile = b.dockerfile != null ? b.dockerfile : b.context.resolve("Dockerfile");
        this.dockerfileOption = b.dockerfileOption;
        this.tags = List.copyOf(b.tags);
        this.buildArgs = unmodifiableCopy(b.buildArgs);
        this.target = b.target;
        Map<String, String> allLabels = new LinkedHashMap<>(b.labels);
        if (b.revision != null) {
            allLabels.put(OCI_REVISION, b.revision);
        }
        if (b.source != null) {
            allLabels.put(OCI_SOURCE, b.source);
        }
        this.labels = unmodifiableCopy(allLabels);
        this.pull = b.pull;
        this.noCache = b.noCache;
        this.cacheFrom = List.copyOf(b.cacheFrom);
        this.networkMode = b.networkMode;
        this.platform = b.platform;
        this.builderKind = b.builderKind;
        this.pullCredentials = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.pullCredentials));
        this.secrets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.secrets));
        this.ssh = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.ssh));
        this.output = b.output;
    }

    /** A copy with other tags, output and cache options; secrets and keys are shared, not copied. */
    private BuildRequest(BuildRequest r, List<String> tags, BuildOutput output, boolean pull, boolean noCache) {
        this.context = r.context;
        this.dockerfile = r.dockerfile;
        this.dockerfileOption = r.dockerfileOption;
        this.tags = List.copyOf(tags);
        this.buildArgs = r.buildArgs;
        this.target = r.target;
        this.labels = r.labels;
        this.pull = pull;
        this.noCache = noCache;
        this.cacheFrom = r.cacheFrom;
        this.networkMode = r.networkMode;
        this.platform = r.platform;
        this.builderKind = r.builderKind;
        this.pullCredentials = r.pullCredentials;
        this.secrets = r.secrets;
        this.ssh = r.ssh;
        this.output = output;
    }

    /** This request without its output: the build that makes and tags the image. */
    BuildRequest imageOnly() {
        return new BuildRequest(this, tags, null, pull, noCache);
    }

    /**
     * This request's export without tags, right after {@link #imageOnly()} was built: its steps come from that
     * build's cache (no pull, cache on), so the files are the image's.
     */
    BuildRequest exportAfterImage() {
        return new BuildRequest(this, List.of(), output, false, false);
    }

    private static Map<String, String> unmodifiableCopy(Map<String, String> m) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    public static Builder builder(Path context) {
        return new Builder(context);
    }

    public Path context() { return context; }
    public Path dockerfile() { return dockerfile; }
    /** How the user's interface names the option that names the Dockerfile, for error messages. */
    public String dockerfileOption() { return dockerfileOption; }
    public List<String> tags() { return tags; }
    public Map<String, String> buildArgs() { return buildArgs; }
    /** The stage to stop at, or null for the last one. */
    public String target() { return target; }
    /** Labels, including the OCI revision and source labels when they were given. */
    public Map<String, String> labels() { return labels; }
    public boolean pull() { return pull; }
    public boolean noCache() { return noCache; }
    public List<String> cacheFrom() { return cacheFrom; }
    /** The network mode for RUN steps, or null for the daemon's default. */
    public String networkMode() { return networkMode; }
    /** The target platform such as {@code linux/amd64}, or null for the daemon's own. */
    public String platform() { return platform; }
    public BuilderKind builderKind() { return builderKind; }
    /**
     * Credentials for pulling base images and cache sources, by registry host as {@link RegistryHost#normalize}
     * makes it: given to the daemon for these hosts only.
     */
    public Map<String, RegistryCredentials> pullCredentials() { return pullCredentials; }
    /** Build secrets by id, for {@code RUN --mount=type=secret,id=ID} (BuildKit only). */
    public Map<String, BuildSecret> secrets() { return secrets; }
    /** SSH forwards by id ({@code default} when a step names none), for {@code RUN --mount=type=ssh} (BuildKit only). */
    public Map<String, SshForward> ssh() { return ssh; }
    /** Where the result's files are exported, or null for an image only (BuildKit only). */
    public BuildOutput output() { return output; }

    /** The options only BuildKit can serve, named for an error message; empty when there are none. */
    public List<String> buildKitOnlyOptions() {
        List<String> used = new ArrayList<>();
        if (!secrets.isEmpty()) {
            used.add("secrets");
        }
        if (!ssh.isEmpty()) {
            used.add("SSH forwarding");
        }
        if (output != null) {
            used.add("an output");
        }
        return List.copyOf(used);
    }

    /** Overwrites the bytes of every secret held: call it when the builds of this request have ended. */
    public void destroySecrets() {
        secrets.values().forEach(BuildSecret::destroy);
        ssh.values().forEach(SshForward::destroy);
    }

    /** Collects the options of a build; every setter checks its input and says what was wrong. */
    public static final class Builder {
        private final Path context;
        private Path dockerfile;
        private String dockerfileOption = "the dockerfile option";
        private final List<String> tags = new ArrayList<>();
        private final Map<String, String> buildArgs = new LinkedHashMap<>();
        private String target;
        private final Map<String, String> labels = new LinkedHashMap<>();
        private String revision;
        private String source;
        private boolean pull;
        private boolean noCache;
        private final List<String> cacheFrom = new ArrayList<>();
        private String networkMode;
        private String platform;
        private BuilderKind builderKind = BuilderKind.BUILDKIT;
        private final Map<String, RegistryCredentials> pullCredentials = new LinkedHashMap<>();
        private final Map<String, BuildSecret> secrets = new LinkedHashMap<>();
        private final Map<String, SshForward> ssh = new LinkedHashMap<>();
        private BuildOutput output;

        private Builder(Path context) {
            this.context = Objects.requireNonNull(context, "context");
        }

        /** The Dockerfile; by default {@code Dockerfile} in the context. It may lie outside the context. */
        public Builder dockerfile(Path dockerfile) {
            this.dockerfile = dockerfile;
            return this;
        }

        /**
         * How the user's interface names the option that names the Dockerfile ({@code --file} on a command line; by
         * default "the dockerfile option", the Pipeline step's), so that an error about the Dockerfile tells the
         * user what to change where they are.
         */
        public Builder dockerfileOption(String name) {
            this.dockerfileOption = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Adds a tag, checked against the image reference grammar now, before any daemon call. */
        public Builder tag(String reference) {
            ImageReference ref = ImageReference.parse(reference);
            if (ref.digest() != null) {
                throw new IllegalArgumentException("Tag '" + reference
                        + "' carries a digest: a build can only be tagged with name[:tag]; drop the @sha256 part.");
            }
            tags.add(reference);
            return this;
        }

        public Builder buildArg(String name, String value) {
            requireName(name, "Build argument");
            buildArgs.put(name, requireNoNul(Objects.requireNonNull(value, "value"), "Build argument " + name));
            return this;
        }

        public Builder target(String target) {
            this.target = blankToNull(requireNoNul(target, "Target stage"));
            return this;
        }

        public Builder label(String name, String value) {
            requireName(name, "Label");
            labels.put(name, requireNoNul(Objects.requireNonNull(value, "value"), "Label " + name));
            return this;
        }

        /** Adds the {@code org.opencontainers.image.revision} label, such as a commit id. */
        public Builder revision(String revision) {
            this.revision = blankToNull(requireNoNul(revision, "Revision"));
            return this;
        }

        /** Adds the {@code org.opencontainers.image.source} label, such as the repository URL. */
        public Builder source(String source) {
            this.source = blankToNull(requireNoNul(source, "Source"));
            return this;
        }

        public Builder pull(boolean pull) {
            this.pull = pull;
            return this;
        }

        public Builder noCache(boolean noCache) {
            this.noCache = noCache;
            return this;
        }

        public Builder cacheFrom(String reference) {
            ImageReference.parse(reference);
            cacheFrom.add(reference);
            return this;
        }

        /**
         * {@code default}, {@code none} or {@code host}. {@code container:NAME} would put RUN steps into another
         * container's network namespace (and any other name onto a network a build has no business on): refused.
         */
        public Builder networkMode(String networkMode) {
            String mode = blankToNull(requireNoNul(networkMode, "Network mode"));
            if (mode != null && !NETWORK_MODES.contains(mode)) {
                throw new IllegalArgumentException(mode.startsWith("container:")
                        ? "Network mode '" + mode + "' would run the build's RUN steps in another container's network:"
                                + " use default, none or host."
                        : "Network mode '" + mode + "' is not supported: use default, none or host.");
            }
            this.networkMode = mode;
            return this;
        }

        /**
         * The platform to build for, as {@code os[/arch[/variant]]} ({@code linux/amd64}, {@code linux/arm64/v8}); null
         * or blank for the daemon's own. One platform per build: the daemon's build endpoint makes one image.
         */
        public Builder platform(String platform) {
            String p = blankToNull(requireNoNul(platform, "Platform"));
            if (p != null && p.contains(",")) {
                throw new IllegalArgumentException("Platform '" + p + "' names several platforms: the daemon builds"
                        + " one per build; build once for each platform.");
            }
            if (p != null && !PLATFORM.matcher(p).matches()) {
                throw new IllegalArgumentException("Platform '" + p + "' is not os[/arch[/variant]]: write it as"
                        + " linux/amd64 or linux/arm64/v8.");
            }
            this.platform = p;
            return this;
        }

        public Builder builderKind(BuilderKind builderKind) {
            this.builderKind = Objects.requireNonNull(builderKind, "builderKind");
            return this;
        }

        /**
         * Credentials the daemon may use to pull base images and cache sources from {@code registry} (a host, a
         * {@code host:port} or a URL): that host only, never another one.
         */
        public Builder pullCredentials(String registry, RegistryCredentials credentials) {
            String host = RegistryHost.normalize(registry);
            pullCredentials.put(host, Objects.requireNonNull(credentials, "credentials"));
            return this;
        }

        /** A build secret: {@code RUN --mount=type=secret,id=ID} reads a copy of these bytes. */
        public Builder secret(String id, byte[] value) {
            requireId(id, "Build secret");
            if (secrets.containsKey(id)) {
                throw new IllegalArgumentException("Build secret id '" + id + "' is given twice: give each secret once.");
            }
            secrets.put(id, BuildSecret.of(value));
            return this;
        }

        /** Keys for {@code RUN --mount=type=ssh,id=ID}, offered by an in-memory agent of the engine's own. */
        public Builder ssh(String id, List<SshKey> keys) {
            return ssh(id, new SshForward.Keys(keys));
        }

        /** A running SSH agent for {@code RUN --mount=type=ssh,id=ID}, reached through its socket. */
        public Builder sshAgent(String id, Path socket) {
            return ssh(id, new SshForward.Agent(socket));
        }

        private Builder ssh(String id, SshForward forward) {
            requireId(id, "SSH");
            if (ssh.containsKey(id)) {
                throw new IllegalArgumentException("SSH id '" + id + "' is given twice: list all its keys in one entry.");
            }
            ssh.put(id, forward);
            return this;
        }

        /** Exports the result's files to a local directory or a tar file (null: none). */
        public Builder output(BuildOutput output) {
            this.output = output;
            return this;
        }

        public BuildRequest build() {
            return new BuildRequest(this);
        }

        /** Ids as BuildKit's mount options take them: no separators of the option syntax, no NUL. */
        private static void requireId(String id, String what) {
            if (id == null || id.isBlank() || !id.matches("[A-Za-z0-9._\\-]+")) {
                throw new IllegalArgumentException(what + " id '" + id + "' is invalid: use letters, digits, '.', '_'"
                        + " and '-' only, as in RUN --mount=type=secret,id=npmrc.");
            }
        }

        private static void requireName(String name, String what) {
            if (name == null || name.isBlank() || name.indexOf('\0') >= 0 || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException(what + " name '" + name
                        + "' is invalid: use a non-empty name without '=' or NUL characters.");
            }
        }

        /** NUL cannot reach a RUN step's environment or a label intact: refuse it now, naming the field. */
        private static String requireNoNul(String value, String what) {
            if (value != null && value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(what + " contains a NUL character (at position "
                        + (value.indexOf('\0') + 1) + "): remove it; values cannot carry NUL.");
            }
            return value;
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }
    }
}
