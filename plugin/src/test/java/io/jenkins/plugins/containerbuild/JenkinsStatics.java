package io.jenkins.plugins.containerbuild;

import static org.mockito.Mockito.CALLS_REAL_METHODS;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;

import hudson.ExtensionList;
import hudson.Util;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mockito.MockedStatic;

/**
 * The stand-ins of Jenkins core do nothing; this extension gives the test thread, for the length of a test, the two
 * string helpers of {@link Util} the plugin calls, with the documented behaviour (blank to null, trimmed), and an
 * empty global configuration as {@code ExtensionList.lookupSingleton} would find it (its {@code save()} does
 * nothing; {@link #configuration()} gives it to the test).
 */
final class JenkinsStatics implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(JenkinsStatics.class);

    private static volatile ContainerBuildConfiguration configuration;

    /** The global configuration of the running test. */
    static ContainerBuildConfiguration configuration() {
        return configuration;
    }

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
        // a configuration as load() leaves it when nothing was saved yet: every field unset
        ContainerBuildConfiguration global = mock(ContainerBuildConfiguration.class, CALLS_REAL_METHODS);
        doNothing().when(global).save();
        configuration = global;
        MockedStatic<ExtensionList> extensions = mockStatic(ExtensionList.class);
        extensions.when(() -> ExtensionList.lookupSingleton(ContainerBuildConfiguration.class)).thenReturn(global);
        context.getStore(NS).put("extensions", extensions);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        configuration = null;
        for (String key : new String[] {"util", "extensions"}) {
            MockedStatic<?> m = context.getStore(NS).remove(key, MockedStatic.class);
            if (m != null) {
                m.close();
            }
        }
    }
}
