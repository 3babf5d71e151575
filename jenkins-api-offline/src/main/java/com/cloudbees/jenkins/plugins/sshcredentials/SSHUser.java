package com.cloudbees.jenkins.plugins.sshcredentials;

import com.cloudbees.plugins.credentials.common.StandardUsernameCredentials;

/** Stand-in: ssh-credentials' base of SSH user credentials (deprecated there too, but still the supertype). */
@Deprecated
public interface SSHUser extends StandardUsernameCredentials {}
