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
}
