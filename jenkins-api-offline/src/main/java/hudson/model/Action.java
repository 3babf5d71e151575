package hudson.model;

/** Stand-in: something attached to a model object (here a build) with an optional page of its own. */
public interface Action {
    String getIconFileName();

    String getDisplayName();

    String getUrlName();
}
