package com.cloudbees.plugins.credentials.common;

/** Stand-in: standard credentials with a user name. */
public interface StandardUsernameCredentials extends StandardCredentials, UsernameCredentials {}
