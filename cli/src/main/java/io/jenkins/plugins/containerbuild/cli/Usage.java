package io.jenkins.plugins.containerbuild.cli;

/** The help texts. */
final class Usage {

    private Usage() {}

    static final String DAEMON_OPTIONS = """
            Daemon options (default: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, else unix:///var/run/docker.sock):
              --host URI                 unix:///path/docker.sock or tcp://HOST:PORT
              --podman                   without --host and DOCKER_HOST, use Podman's socket: CONTAINER_HOST, else
                                         $XDG_RUNTIME_DIR/podman/podman.sock (not root), else /run/podman/podman.sock
              --tls-ca FILE --tls-cert FILE --tls-key FILE
                                         TLS client identity and CA for a tcp:// daemon (verified)
              --dind IMAGE               run the work in a Docker-in-Docker sidecar started from IMAGE on that daemon
              --dind-cache VOLUME        keep the sidecar's /var/lib/docker in this named volume
              --dind-security PROFILE    privileged (default) or capabilities
            """;

    static final String GENERAL = """
            Usage: containerbuild COMMAND [OPTIONS]

            Builds and pushes container images through a Docker daemon.

            Commands:
              build    build an image from a Dockerfile and a context directory
              push     push tagged images to their registries

            Run 'containerbuild COMMAND --help' for the options of a command.
            Exit status: 0 success, 1 the build or push failed, 2 usage error, 130 interrupted.
            """;

    static final String BUILD = """
            Usage: containerbuild build --context DIR --tag REF|--output DEST [OPTIONS]

            Options:
              --context DIR              the build context (required); - reads a tar or a lone Dockerfile from stdin
              --file PATH                the Dockerfile (default DIR/Dockerfile); relative to the current directory;
                                         - reads it from stdin
              --tag REF                  name the image; repeatable, at least one unless --output is given
              --build-arg K=V            repeatable; K alone takes the value of the environment variable K
              --target STAGE             stop at this stage
              --label K=V                repeatable
              --pull                     always pull newer base images
              --no-cache                 do not reuse cached steps
              --cache-from REF           repeatable
              --network MODE             network mode of RUN steps (such as none or host)
              --builder KIND             buildkit (default) or classic
              --platform OS/ARCH         build for this platform (such as linux/arm64); another platform than the
                                         daemon's needs emulation (QEMU binfmt_misc) on the daemon's host
              --secret id=ID,src=FILE    a build secret for RUN --mount=type=secret,id=ID, read from FILE;
              --secret id=ID,env=VAR     or from the variable VAR; repeatable (BuildKit only)
              --ssh ID=KEYFILE[,KEYFILE...]
                                         SSH keys for RUN --mount=type=ssh,id=ID (keys without a passphrase)
              --ssh default              forward the agent at $SSH_AUTH_SOCK; repeatable (BuildKit only)
              -o, --output DIR           write the result's files into DIR (type=local,dest=DIR), or into a tar
                                         file with type=tar,dest=FILE (BuildKit only)
              --push                     then push the tags through the same daemon (and sidecar); takes the push
                                         options --username, --password-stdin and --timeout
              --json                     print the result as one JSON object on stdout (with --push, "digests"
                                         too)
            """ + DAEMON_OPTIONS;

    static final String PUSH = """
            Usage: containerbuild push --tag REF [--tag REF]... [OPTIONS]

            Options:
              --tag REF                  an image on the daemon to push; repeatable, at least one
              --username USER            registry user; needs --password-stdin
              --password-stdin           read the registry password from standard input
              --timeout DURATION         give up a tag's push after this long, retries included (90s, 20m, 1h;
                                         default 30m)
              --json                     print {"digests": {TAG: DIGEST}} on stdout
            """ + DAEMON_OPTIONS;

    static String forCommand(Options.Command command) {
        if (command == null) {
            return GENERAL;
        }
        return switch (command) {
            case BUILD -> BUILD;
            case PUSH -> PUSH;
        };
    }

    /** The one-line pointer printed after a usage error. */
    static String hint(Options.Command command) {
        return command == null
                ? "Usage: containerbuild build|push [OPTIONS]; run 'containerbuild --help' for details."
                : "Usage: " + forCommand(command).lines().findFirst().orElse("").substring("Usage: ".length())
                        + "; run 'containerbuild " + command.word + " --help' for details.";
    }
}
