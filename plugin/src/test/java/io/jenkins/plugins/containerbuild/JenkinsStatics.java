package io.jenkins.plugins.containerbuild;

import static org.mockito.Mockito.mockStatic;

import hudson.Util;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mockito.MockedStatic;

/**
 * The stand-ins of Jenkins core do nothing; this extension gives the test thread the two string helpers of
 * {@link Util} the plugin calls, with the documented behaviour (blank to null, trimmed), for the length of a test.
 */
final class JenkinsStatics implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(JenkinsStatics.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        MockedStatic<Util> util = mockStatic(Util.class, invocation -> {
            String s = invocation.getArgument(0);
            return switch (invocation.getMethod().getName()) {
                case "fixEmpty" -> s == null || s.isEmpty() ? null : s;
                case "fixEmptyAndTrim" -> s == null || s.trim().isEmpty() ? null : s.trim();
                default -> throw new UnsupportedOperationException(invocation.getMethod().toString());
            };
        });
        context.getStore(NS).put("util", util);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        MockedStatic<Util> util = context.getStore(NS).remove("util", MockedStatic.class);
        if (util != null) {
            util.close();
        }
    }
}
