package hudson.security;

import org.springframework.security.core.Authentication;

/** Stand-in: access control lists; only the system identity is used. */
public abstract class ACL {
    /** Null here: the stand-ins have no authentication objects. */
    public static final Authentication SYSTEM2 = null;
}
