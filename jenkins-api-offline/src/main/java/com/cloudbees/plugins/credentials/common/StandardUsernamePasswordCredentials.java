package com.cloudbees.plugins.credentials.common;

/** Stand-in: the "Username with password" kind of credentials. */
public interface StandardUsernamePasswordCredentials extends StandardUsernameCredentials, UsernamePasswordCredentials {}
