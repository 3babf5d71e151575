package hudson.model;

/** Stand-in: a freestyle-like project; only named in {@code BuildStepDescriptor#isApplicable}. */
public abstract class AbstractProject<P extends AbstractProject<P, R>, R extends AbstractBuild<P, R>> extends Job<P, R> {}
