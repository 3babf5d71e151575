package hudson;

/** Stand-in: marker of extensible types. */
public interface ExtensionPoint {}
