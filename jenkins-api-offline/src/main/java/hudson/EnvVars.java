package hudson;

import java.util.TreeMap;

/** Stand-in: environment variables of a build (mock {@link #expand} in tests). */
public class EnvVars extends TreeMap<String, String> {
    private static final long serialVersionUID = 1L;

    public EnvVars() {}

    public String expand(String s) {
        throw new UnsupportedOperationException();
    }
}
