package hudson.security;

/** Stand-in: a permission. The constants of the stand-ins are distinct objects that only carry a name. */
public final class Permission {
    private final String name;

    private Permission(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return "Permission[" + name + "]";
    }
}
