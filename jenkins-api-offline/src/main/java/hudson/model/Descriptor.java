package hudson.model;

/** Stand-in: metadata and form support of a {@link Describable} type. */
public abstract class Descriptor<T extends Describable<T>> {
    /** Does nothing here: subclasses must stay constructible in tests. */
    protected Descriptor() {}

    public String getDisplayName() {
        throw new UnsupportedOperationException();
    }

    public synchronized void save() {
        throw new UnsupportedOperationException();
    }

    public synchronized void load() {
        throw new UnsupportedOperationException();
    }
}
