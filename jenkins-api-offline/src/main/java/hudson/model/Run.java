package hudson.model;

/** Stand-in: one build of a {@link Job}. */
public abstract class Run<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> extends Actionable {
    public String getExternalizableId() {
        throw new UnsupportedOperationException();
    }
}
