package hudson.tasks;

/** Stand-in: a step of a freestyle build (its members are not used by the plugin). */
public interface BuildStep {}
