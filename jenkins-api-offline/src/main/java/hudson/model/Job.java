package hudson.model;

/** Stand-in: a project; only named as a type parameter bound of {@link Run}. */
public abstract class Job<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> {}
