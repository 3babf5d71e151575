package hudson.security;

import org.springframework.security.access.AccessDeniedException;

/** Stand-in: an object protected by permissions. */
public interface AccessControlled {
    default void checkPermission(Permission permission) throws AccessDeniedException {
        throw new UnsupportedOperationException();
    }

    default boolean hasPermission(Permission permission) {
        throw new UnsupportedOperationException();
    }
}
