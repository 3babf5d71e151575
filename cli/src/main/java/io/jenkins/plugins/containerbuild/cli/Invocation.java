package io.jenkins.plugins.containerbuild.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** One run of the CLI: its parsed options and its world (streams, environment, working directory). */
record Invocation(Options options, InputStream stdin, PrintStream out, ConsoleEvents console,
                  Map<String, String> env, Path cwd) {}
