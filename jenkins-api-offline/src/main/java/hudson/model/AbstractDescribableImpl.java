package hudson.model;

/** Stand-in: the older base class of describables, still the superclass of pipeline steps. */
@Deprecated(since = "2.505")
public abstract class AbstractDescribableImpl<T extends AbstractDescribableImpl<T>> implements Describable<T> {}
