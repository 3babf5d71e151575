package org.jenkinsci.remoting;

/** Stand-in: something that says where it may run. */
public interface RoleSensitive {
    void checkRoles(RoleChecker checker) throws SecurityException;
}
