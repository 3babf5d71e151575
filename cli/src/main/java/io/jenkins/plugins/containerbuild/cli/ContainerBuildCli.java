package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code containerbuild build|push}: the engine on the command line. {@link #main} runs the command on a worker
 * thread; Ctrl-C or SIGTERM interrupts that thread, which makes the engine abort the daemon-side work and remove
 * its DinD sidecar, and waits a bounded time for it to finish; the process then exits with the command's status
 * ({@link #INTERRUPTED}).
 */
public final class ContainerBuildCli {

    /** Exit statuses. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int INTERRUPTED = 130;

    /** How long the shutdown hook waits for the interrupted command to clean up. */
    private static final long SHUTDOWN_GRACE_MILLIS = 30_000;

    private ContainerBuildCli() {}

    public static void main(String[] args) throws InterruptedException {
        AtomicInteger status = new AtomicInteger(FAILED);
        Thread worker = new Thread(
                () -> status.set(run(args, System.in, System.out, System.err, System.getenv())), "containerbuild");
        Thread hook = new Thread(() -> {
            if (worker.isAlive()) {
                System.err.println("containerbuild: stopping, cleaning up on the daemon...");
                worker.interrupt();
                try {
                    worker.join(SHUTDOWN_GRACE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (!worker.isAlive()) {
                    // the command's own status (130 once it aborted), not the JVM's 128 + signal (143 for SIGTERM):
                    // System.exit in main cannot end a JVM that is already shutting down
                    Runtime.getRuntime().halt(status.get());
                }
            }
        }, "containerbuild-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        worker.start();
        worker.join();
        System.exit(status.get());
    }

    /** Runs one command line in this thread; the working directory is the JVM's. */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, stdin, out, err, env, Path.of("").toAbsolutePath());
    }

    /** Runs one command line in this thread, resolving relative paths against {@code cwd}. */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Map<String, String> env,
                          Path cwd) {
        ConsoleEvents console = new ConsoleEvents(err);
        Options.Command command = null;
        try {
            Options options = Arguments.parse(args);
            command = options.command;
            if (options.help) {
                out.print(Usage.forCommand(options.command));
                out.flush();
                return OK;
            }
            Invocation inv = new Invocation(options, stdin, out, console, env, cwd);
            return switch (options.command) {
                case BUILD -> BuildCommand.run(inv);
                case PUSH -> PushCommand.run(inv);
            };
        } catch (UsageException e) {
            console.error("containerbuild: " + e.getMessage());
            console.error(Usage.hint(e.command() != null ? e.command() : command));
            return USAGE;
        } catch (ContainerEngineException e) {
            console.error("containerbuild: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            console.error("containerbuild: interrupted; the work on the daemon was aborted.");
            return INTERRUPTED;
        } catch (RuntimeException e) {
            console.error("containerbuild: unexpected failure: " + e);
            return FAILED;
        }
    }
}
