package org.jenkinsci.remoting;

/** Stand-in: checks the roles of a {@link RoleSensitive}. */
public abstract class RoleChecker {}
