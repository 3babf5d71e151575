package org.springframework.security.access;

/** Stand-in (Spring Security): thrown when a permission is missing. Keeps its message, like every exception stand-in. */
public class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AccessDeniedException(String msg) {
        super(msg);
    }
}
