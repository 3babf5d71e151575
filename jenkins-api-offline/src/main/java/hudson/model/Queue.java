package hudson.model;

/** Stand-in: the build queue; only its {@link Task} type is used. */
public class Queue {
    /** Stand-in: something that can be queued (a job). */
    public interface Task {}
}
