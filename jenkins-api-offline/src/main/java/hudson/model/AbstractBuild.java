package hudson.model;

/** Stand-in: a build of an {@link AbstractProject}. */
public abstract class AbstractBuild<P extends AbstractProject<P, R>, R extends AbstractBuild<P, R>> extends Run<P, R> {}
