package io.jenkins.plugins.containerbuild;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import hudson.model.Item;
import hudson.util.ListBoxModel;
import java.util.Arrays;
import java.util.List;
import org.mockito.MockedStatic;
import org.mockito.invocation.InvocationOnMock;

/**
 * Jenkins' own credentials store behind the credentials API's static methods, for the length of a test, with the
 * matchers doing what the real {@code CredentialsMatchers} do. It lists by the rule of credentials-plugin 1502
 * ({@code src/main/java/com/cloudbees/plugins/credentials/SystemCredentialsProvider.java}, class {@code ProviderImpl}):
 * {@code getCredentialsInItemGroup} matches {@code always()} when the group is the Jenkins root and
 * {@code not(withScope(SYSTEM))} for any other group; {@code getCredentialsInItem} (a job) always
 * {@code not(withScope(SYSTEM))}. {@code CredentialsProvider.lookupCredentialsInItem} and {@code listCredentialsInItem}
 * ({@code CredentialsProvider.java}) ask the root for a null item; {@code findCredentialById(id, type, run)} looks in
 * the run's job, so a build never gets SYSTEM scope. (The provider lists only for {@code ACL.SYSTEM2}, which is the
 * authentication the plugin passes on the global page and what a run has without Authorize Project.)
 */
final class SystemCredentialsStore implements AutoCloseable {

    private final List<Credentials> credentials;
    private final MockedStatic<CredentialsProvider> provider;
    private final MockedStatic<CredentialsMatchers> matchers;

    SystemCredentialsStore(Credentials... credentials) {
        this.credentials = List.of(credentials);
        matchers = mockStatic(CredentialsMatchers.class, SystemCredentialsStore::matcher);
        provider = mockStatic(CredentialsProvider.class);
        provider.when(() -> CredentialsProvider.lookupCredentialsInItem(any(), any(), any(), any()))
                .thenAnswer(i -> visible(i.getArgument(0), i.getArgument(1), null));
        provider.when(() -> CredentialsProvider.listCredentialsInItem(any(), any(), any(), any(), any()))
                .thenAnswer(i -> {
                    ListBoxModel ids = new ListBoxModel();
                    visible(i.getArgument(0), i.getArgument(1), i.getArgument(4)).forEach(c -> ids.add(null));
                    return ids;
                });
        provider.when(() -> CredentialsProvider.findCredentialById(any(), any(), any())).thenAnswer(i -> {
            String id = i.getArgument(0);
            // in the run's job: getCredentialsInItem
            return visible(i.getArgument(1), job(), c -> c instanceof IdCredentials ic && ic.getId().equals(id))
                    .stream().findFirst().orElse(null);
        });
    }

    /** Stands for any job: what matters to the rule is only that it is not the root. */
    private static Item job() {
        return org.mockito.Mockito.mock(Item.class, "the run's job");
    }

    /** What the system store gives for {@code item} (null: the Jenkins root), of {@code type}, matching {@code m}. */
    List<Credentials> visible(Class<?> type, Item item, CredentialsMatcher m) {
        CredentialsMatcher scope = item == null ? c -> true : c -> c.getScope() != CredentialsScope.SYSTEM;
        return credentials.stream().filter(type::isInstance).filter(scope::matches)
                .filter(c -> m == null || m.matches(c)).toList();
    }

    /** The matchers as the real ones behave. */
    private static Object matcher(InvocationOnMock i) {
        Object[] a = i.getRawArguments();
        return switch (i.getMethod().getName()) {
            case "always" -> (CredentialsMatcher) c -> true;
            case "instanceOf" -> (CredentialsMatcher) c -> ((Class<?>) a[0]).isInstance(c);
            case "withId" -> (CredentialsMatcher) c -> c instanceof IdCredentials ic && a[0].equals(ic.getId());
            case "withScope" -> (CredentialsMatcher) c -> c.getScope() == a[0];
            case "not" -> (CredentialsMatcher) c -> !((CredentialsMatcher) a[0]).matches(c);
            case "allOf" -> (CredentialsMatcher) c -> Arrays.stream((CredentialsMatcher[]) a[0]).allMatch(m -> m.matches(c));
            case "anyOf" -> (CredentialsMatcher) c -> Arrays.stream((CredentialsMatcher[]) a[0]).anyMatch(m -> m.matches(c));
            case "firstOrNull" -> {
                for (Object c : (Iterable<?>) a[0]) {
                    if (((CredentialsMatcher) a[1]).matches((Credentials) c)) {
                        yield c;
                    }
                }
                yield null;
            }
            default -> throw new UnsupportedOperationException(i.getMethod().toString());
        };
    }

    @Override
    public void close() {
        provider.close();
        matchers.close();
    }
}
