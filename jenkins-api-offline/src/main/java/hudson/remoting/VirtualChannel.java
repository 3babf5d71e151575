package hudson.remoting;

/** Stand-in: the channel a callable was sent through (only passed around by the plugin). */
public interface VirtualChannel {}
