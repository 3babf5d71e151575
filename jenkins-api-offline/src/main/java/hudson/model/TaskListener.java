package hudson.model;

import java.io.PrintStream;
import org.jenkinsci.remoting.SerializableOnlyOverRemoting;

/** Stand-in: the build log, remotable to agents. */
public interface TaskListener extends SerializableOnlyOverRemoting {
    PrintStream getLogger();
}
