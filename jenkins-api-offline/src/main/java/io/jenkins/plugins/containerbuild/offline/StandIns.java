package io.jenkins.plugins.containerbuild.offline;

import hudson.security.Permission;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/**
 * Not a Jenkins type: makes the distinct identity objects that the stand-ins' constants (such as
 * {@code Item.CONFIGURE}) need, so that tests can tell them apart. The plugin never uses this class (the real API has
 * no such class, so {@code scripts/api-check} would reject it).
 */
public final class StandIns {

    private StandIns() {}

    /** A permission constant that only has a name (for test failure messages). */
    public static Permission permission(String name) {
        try {
            Constructor<Permission> c = Permission.class.getDeclaredConstructor(String.class);
            c.setAccessible(true);
            return c.newInstance(name);
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }
}
