package io.jenkins.plugins.containerbuild.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the command line asked for, as {@link Arguments} parsed it; no value is checked against a daemon yet. */
final class Options {

    /** The sub-command. */
    enum Command {
        BUILD("build"), PUSH("push");

        final String word;

        Command(String word) {
            this.word = word;
        }
    }

    Command command;
    boolean help;
    boolean json;

    // build
    String context;
    String file;
    final List<String> tags = new ArrayList<>();
    /** As given; a null value: {@code --build-arg NAME}, the value to come from the environment. */
    final Map<String, String> buildArgs = new LinkedHashMap<>();
    String target;
    final Map<String, String> labels = new LinkedHashMap<>();
    boolean pull;
    boolean noCache;
    final List<String> cacheFrom = new ArrayList<>();
    String network;
    String builder;
    String platform;
    final List<SecretSpec> secrets = new ArrayList<>();
    final List<SshSpec> ssh = new ArrayList<>();
    OutputSpec output;
    /** build --push: push the tags after the build, through the same daemon. */
    boolean push;

    // push
    String username;
    boolean passwordStdin;
    java.time.Duration timeout;

    // daemon
    String host;
    boolean podman;
    String tlsCa;
    String tlsCert;
    String tlsKey;
    String dind;
    String dindCache;
    String dindSecurity;

    boolean anyTls() {
        return tlsCa != null || tlsCert != null || tlsKey != null;
    }

    /**
     * The build arguments with values: {@code --build-arg NAME} takes the variable's value from {@code env}, and is
     * left out when the variable is not set, as the docker CLI leaves it to the Dockerfile's default.
     */
    Map<String, String> buildArgs(Map<String, String> env) {
        Map<String, String> resolved = new LinkedHashMap<>();
        buildArgs.forEach((name, value) -> {
            String v = value != null ? value : env.get(name);
            if (v != null) {
                resolved.put(name, v);
            }
        });
        return resolved;
    }
}
