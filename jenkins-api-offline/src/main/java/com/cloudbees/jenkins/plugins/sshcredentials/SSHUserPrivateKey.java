package com.cloudbees.jenkins.plugins.sshcredentials;

import hudson.util.Secret;
import java.util.List;

/** Stand-in: ssh-credentials' "SSH Username with private key" credentials. */
@SuppressWarnings("deprecation")
public interface SSHUserPrivateKey extends SSHUser {
    Secret getPassphrase();

    List<String> getPrivateKeys();
}
