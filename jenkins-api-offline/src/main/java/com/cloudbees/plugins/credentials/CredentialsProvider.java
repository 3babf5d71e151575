package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Item;
import hudson.model.Run;
import hudson.security.Permission;
import hudson.util.ListBoxModel;
import io.jenkins.plugins.containerbuild.offline.StandIns;
import java.util.List;
import org.springframework.security.core.Authentication;

/** Stand-in: finds credentials and records their use. */
public abstract class CredentialsProvider {
    public static final Permission USE_ITEM = StandIns.permission("CredentialsProvider.USE_ITEM");

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run) {
        throw new UnsupportedOperationException();
    }

    @SuppressWarnings("rawtypes")
    public static <C extends Credentials> C track(Run build, C credentials) {
        throw new UnsupportedOperationException();
    }

    public static <C extends Credentials> List<C> lookupCredentialsInItem(Class<C> type, Item item,
                                                                          Authentication authentication,
                                                                          List<DomainRequirement> domainRequirements) {
        throw new UnsupportedOperationException();
    }

    public static <C extends IdCredentials> ListBoxModel listCredentialsInItem(Class<C> type, Item item,
                                                                               Authentication authentication,
                                                                               List<DomainRequirement> domainRequirements,
                                                                               CredentialsMatcher matcher) {
        throw new UnsupportedOperationException();
    }
}
