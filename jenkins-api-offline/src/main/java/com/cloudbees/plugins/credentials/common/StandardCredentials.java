package com.cloudbees.plugins.credentials.common;

/** Stand-in: credentials with an id and a description. */
public interface StandardCredentials extends IdCredentials {}
