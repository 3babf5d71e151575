package com.cloudbees.plugins.credentials.common;

/** Stand-in: a user name and a password. */
public interface UsernamePasswordCredentials extends UsernameCredentials, PasswordCredentials {}
