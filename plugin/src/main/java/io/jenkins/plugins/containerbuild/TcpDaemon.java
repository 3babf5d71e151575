package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.net.URI;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * A remote daemon at {@code tcp://HOST:PORT}, authenticated with the TLS client certificate of an "X.509 Client
 * Certificate" credential (docker-commons). Without credentials only a loopback address is accepted.
 */
public final class TcpDaemon extends DaemonSpec {

    private static final long serialVersionUID = 1L;

    private final String uri;
    private String credentialsId;

    /** @param uri checked by {@link #check()}, not here */
    @DataBoundConstructor
    public TcpDaemon(String uri) {
        this.uri = Util.fixEmptyAndTrim(uri);
    }

    /** {@code tcp://HOST:PORT}, trimmed; IllegalArgumentException otherwise. */
    static String checkUri(String uri) {
        String u = Util.fixEmptyAndTrim(uri);
        URI parsed;
        try {
            parsed = u == null ? null : URI.create(u);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed == null || !"tcp".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 0) {
            throw new IllegalArgumentException("Daemon address '" + uri + "' is not a TCP address: write it as tcp://HOST:PORT.");
        }
        return u;
    }

    /** {@code tcp://HOST:PORT}. */
    public String getUri() {
        return uri;
    }

    /** The id of the "X.509 Client Certificate" credentials; none for a plain loopback daemon. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    @Override
    void check() throws InvalidValueException {
        InvalidValueException.require("uri", () -> checkUri(uri));
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        try {
            check();
        } catch (InvalidValueException e) {
            throw e.toAbort();
        }
        if (credentialsId == null) {
            return ResolvedDaemon.tcp(uri, null);
        }
        return ResolvedDaemon.tcp(uri, CredentialsLookup.clientCertificate(credentialsId, run));
    }

    @Extension
    @Symbol("tcp")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.TcpDaemon_DisplayName();
        }

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.credentials(item, credentialsId, CredentialsKind.CLIENT_CERTIFICATE);
        }

        /** Empty is allowed: a plain daemon on a loopback address needs no client certificate. */
        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.CLIENT_CERTIFICATE, false);
        }

        @POST
        public FormValidation doCheckUri(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return FormSupport.check(() -> checkUri(value));
        }

        /**
         * Connects from the controller to the daemon, with the TLS client certificate of the credentials as
         * visible in this job (or globally), and closes the connection again.
         */
        @POST
        public FormValidation doTestConnection(@AncestorInPath Item item, @QueryParameter String uri,
                                               @QueryParameter String credentialsId) {
            FormSupport.checkConfigure(item);
            String u;
            try {
                u = checkUri(uri);
            } catch (IllegalArgumentException e) {
                return FormValidation.error(e.getMessage());
            }
            String id = Util.fixEmptyAndTrim(credentialsId);
            ResolvedDaemon.TlsPem tls = null;
            if (id != null) {
                try {
                    tls = CredentialsLookup.clientCertificate(id, item);
                } catch (AbortException e) {
                    return FormValidation.error(e.getMessage());
                }
            }
            return ConnectionTest.ping(ResolvedDaemon.tcp(u, tls));
        }
    }
}
