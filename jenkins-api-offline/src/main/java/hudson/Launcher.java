package hudson;

/** Stand-in: starts processes on a node; only passed through by the plugin. */
public abstract class Launcher {}
