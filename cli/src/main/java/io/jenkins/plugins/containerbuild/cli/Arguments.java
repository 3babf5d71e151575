package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.PushRequest;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Parses {@code containerbuild COMMAND [OPTIONS]} into {@link Options}. Options are {@code --name VALUE},
 * {@code --name=VALUE} or, for switches, {@code --name}; repeatable ones collect every value. Anything the
 * parser cannot accept becomes a {@link UsageException} naming the problem.
 */
final class Arguments {

    private static final Set<Options.Command> BUILD = EnumSet.of(Options.Command.BUILD);
    private static final Set<Options.Command> BOTH = EnumSet.allOf(Options.Command.class);

    /** One option: whether it takes a value, which commands accept it, and how it lands in {@link Options}. */
    private record Spec(String name, boolean takesValue, Set<Options.Command> commands,
                        BiConsumer<Options, String> apply) {}

    /** Thrown inside a setter when a value is malformed; turned into a {@link UsageException}. */
    private static final class BadValue extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadValue(String message) {
            super(message);
        }
    }

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        value("--context", BUILD, (o, v) -> o.context = once("--context", o.context, v));
        value("--file", BUILD, (o, v) -> o.file = once("--file", o.file, v));
        value("--tag", BOTH, (o, v) -> o.tags.add(v));
        value("--build-arg", BUILD, (o, v) -> buildArg(o, v));
        value("--target", BUILD, (o, v) -> o.target = once("--target", o.target, v));
        value("--label", BUILD, (o, v) -> put("--label", o.labels, v));
        flag("--pull", BUILD, (o, v) -> o.pull = true);
        flag("--no-cache", BUILD, (o, v) -> o.noCache = true);
        value("--cache-from", BUILD, (o, v) -> o.cacheFrom.add(v));
        value("--network", BUILD, (o, v) -> o.network = once("--network", o.network, v));
        value("--builder", BUILD, (o, v) -> o.builder = once("--builder", o.builder, v));
        value("--platform", BUILD, (o, v) -> o.platform = once("--platform", o.platform, v));
        value("--ssh", BUILD, (o, v) -> o.ssh.add(parsed(() -> SshSpec.parse(v))));
        value("--output", BUILD, (o, v) -> o.output = once("--output", o.output, parsed(() -> OutputSpec.parse(v))));
        value("--secret", BUILD, (o, v) -> o.secrets.add(parsed(() -> SecretSpec.parse(v))));
        flag("--push", BUILD, (o, v) -> o.push = true);
        // push options; on build, with --push only (checked once the whole line is read)
        value("--username", BOTH, (o, v) -> o.username = once("--username", o.username, v));
        flag("--password-stdin", BOTH, (o, v) -> o.passwordStdin = true);
        value("--timeout", BOTH, (o, v) -> o.timeout = duration("--timeout", v));
        value("--host", BOTH, (o, v) -> o.host = once("--host", o.host, v));
        flag("--podman", BOTH, (o, v) -> o.podman = true);
        value("--tls-ca", BOTH, (o, v) -> o.tlsCa = once("--tls-ca", o.tlsCa, v));
        value("--tls-cert", BOTH, (o, v) -> o.tlsCert = once("--tls-cert", o.tlsCert, v));
        value("--tls-key", BOTH, (o, v) -> o.tlsKey = once("--tls-key", o.tlsKey, v));
        value("--dind", BOTH, (o, v) -> o.dind = once("--dind", o.dind, v));
        value("--dind-cache", BOTH, (o, v) -> o.dindCache = once("--dind-cache", o.dindCache, v));
        value("--dind-security", BOTH, (o, v) -> o.dindSecurity = once("--dind-security", o.dindSecurity, v));
        flag("--json", BOTH, (o, v) -> o.json = true);
        flag("--help", BOTH, (o, v) -> o.help = true);
    }

    private Arguments() {}

    /** {@code 90s}, {@code 10m}, {@code 2h}: a positive whole number with a unit. */
    static java.time.Duration duration(String option, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})([smh])").matcher(value.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new BadValue(option + " '" + value + "' is not a duration: give a positive number with s, m or h,"
                    + " such as 90s or 20m.");
        }
        long n = Long.parseLong(m.group(1));
        java.time.Duration d = switch (m.group(2)) {
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
        if (d.compareTo(PushRequest.MAX_TIMEOUT) > 0) {
            throw new BadValue(option + " '" + value + "' is too long: give at most "
                    + PushRequest.MAX_TIMEOUT.toHours() + "h.");
        }
        return d;
    }

    private static void value(String name, Set<Options.Command> commands, BiConsumer<Options, String> apply) {
        SPECS.put(name, new Spec(name, true, commands, apply));
    }

    private static void flag(String name, Set<Options.Command> commands, BiConsumer<Options, String> apply) {
        SPECS.put(name, new Spec(name, false, commands, apply));
    }

    /**
     * Parses the whole command line. {@code containerbuild --help} (or no command with {@code -h}) gives
     * options with {@link Options#help} set and no command.
     */
    static Options parse(String[] args) throws UsageException {
        Options o = new Options();
        if (args.length == 0) {
            throw new UsageException("No command given: use 'build' or 'push'.", null);
        }
        String first = args[0];
        if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
            o.help = true;
            if (args.length > 1 && !first.startsWith("-")) { // "help build"
                o.command = command(args[1]);
            }
            return o;
        }
        o.command = command(first);
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h")) {
                arg = "--help";
            } else if (arg.equals("-o") || arg.startsWith("-o=")) { // docker buildx build -o DIR
                arg = "--output" + arg.substring(2);
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("Unexpected argument '" + arg + "': " + o.command.word
                        + " takes only options (give the build context with --context DIR).", o.command);
            }
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            Spec spec = SPECS.get(name);
            if (spec == null) {
                if (name.equals("--password")) {
                    throw new UsageException("Option --password does not exist: a password on the command line"
                            + " leaks into process lists and shell history; pipe it in with --password-stdin.", o.command);
                }
                throw new UsageException("Unknown option '" + name + "' for " + o.command.word + ".", o.command);
            }
            if (!spec.commands().contains(o.command)) {
                throw new UsageException("Option " + name + " does not apply to " + o.command.word + ".", o.command);
            }
            String value = null;
            if (spec.takesValue()) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("Option " + name + " needs a value.", o.command);
                }
            } else if (inline != null) {
                throw new UsageException("Option " + name + " is a switch and takes no value ('" + arg + "').", o.command);
            }
            try {
                spec.apply().accept(o, value);
            } catch (BadValue e) {
                throw new UsageException(e.getMessage(), o.command);
            }
        }
        if (!o.help) {
            checkComplete(o);
        }
        return o;
    }

    private static Options.Command command(String word) throws UsageException {
        for (Options.Command c : Options.Command.values()) {
            if (c.word.equals(word)) {
                return c;
            }
        }
        throw new UsageException("Unknown command '" + word + "': use 'build' or 'push'.", null);
    }

    /** The checks that need the whole command line. */
    private static void checkComplete(Options o) throws UsageException {
        if (o.command == Options.Command.BUILD && o.context == null) {
            throw new UsageException("Missing --context: name the directory to build from.", o.command);
        }
        if (o.command == Options.Command.BUILD && !o.push
                && (o.username != null || o.passwordStdin || o.timeout != null)) {
            throw new UsageException((o.username != null ? "--username" : o.passwordStdin ? "--password-stdin"
                    : "--timeout") + " applies to a push: add --push to build and push, or use 'containerbuild push'.",
                    o.command);
        }
        if (o.push && o.output != null) {
            throw new UsageException("--push cannot be combined with --output: a build exports files or makes an"
                    + " image to push, not both; drop one of them.", o.command);
        }
        if (o.push && o.tags.isEmpty()) {
            throw new UsageException("--push needs a --tag: give the image reference to push, such as"
                    + " localhost:5000/app:1.", o.command);
        }
        if (o.tags.isEmpty() && o.output == null) {
            throw new UsageException("Missing --tag: give at least one image reference such as localhost:5000/app:1"
                    + (o.command == Options.Command.BUILD ? ", or an --output for the result's files." : "."),
                    o.command);
        }
        if (o.anyTls() && (o.tlsCa == null || o.tlsCert == null || o.tlsKey == null)) {
            throw new UsageException("TLS needs all of --tls-ca, --tls-cert and --tls-key.", o.command);
        }
        if (o.podman && o.host != null) {
            throw new UsageException("--podman looks for Podman's socket and --host names a daemon: give one of them.",
                    o.command);
        }
        if (o.podman && o.dind != null) {
            throw new UsageException("--dind starts its sidecar on a Docker Engine, not on Podman: drop --podman (and"
                    + " name the Docker daemon with --host) or drop --dind.", o.command);
        }
        if (o.dind == null && (o.dindCache != null || o.dindSecurity != null)) {
            throw new UsageException("--dind-cache and --dind-security apply only with --dind IMAGE.", o.command);
        }
        if (o.username != null && !o.passwordStdin) {
            throw new UsageException("--username needs --password-stdin: pipe the password in on standard input.",
                    o.command);
        }
        if (o.passwordStdin && o.username == null) {
            throw new UsageException("--password-stdin needs --username.", o.command);
        }
        boolean contextFromStdin = StdinContext.STDIN.equals(o.context);
        boolean dockerfileFromStdin = StdinDockerfile.STDIN.equals(o.file);
        if (contextFromStdin && dockerfileFromStdin) {
            throw new UsageException("--context - and --file - both read standard input: send a tar holding the"
                    + " Dockerfile as the context, and name it with --file PATH inside it.", o.command);
        }
        if (o.passwordStdin && (dockerfileFromStdin || contextFromStdin)) {
            throw new UsageException((contextFromStdin ? "--context -" : "--file -") + " and --password-stdin both"
                    + " read standard input: give the " + (contextFromStdin ? "context as a directory"
                    : "Dockerfile as a file") + ", or log in through the docker config file.", o.command);
        }
    }

    /** Runs a spec parser, its {@link IllegalArgumentException} becoming a usage error. */
    private static <T> T parsed(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new BadValue(e.getMessage());
        }
    }

    private static <T> T once(String name, T previous, T value) {
        if (previous != null) {
            throw new BadValue("Option " + name + " was given twice.");
        }
        return value;
    }

    /**
     * {@code NAME=value}, or {@code NAME} alone, whose value the build takes from the environment, as with
     * {@code docker build --build-arg NAME} (kept as a null value until the environment is at hand).
     */
    private static void buildArg(Options o, String arg) {
        if (!arg.isEmpty() && arg.indexOf('=') < 0) {
            o.buildArgs.put(arg, null);
        } else {
            put("--build-arg", o.buildArgs, arg);
        }
    }

    private static void put(String name, Map<String, String> into, String pair) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new BadValue(name + " '" + pair + "' is not KEY=VALUE: write it as " + name + " NAME=value.");
        }
        into.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
}
