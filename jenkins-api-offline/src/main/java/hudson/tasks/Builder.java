package hudson.tasks;

import hudson.ExtensionPoint;
import hudson.model.Describable;

/** Stand-in: a freestyle build step that builds (the compatibility superclass is left out). */
public abstract class Builder implements BuildStep, Describable<Builder>, ExtensionPoint {}
