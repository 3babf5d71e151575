package io.jenkins.plugins.containerbuild.engine.reference;

/** Thrown by {@link ImageReference#parse(String)}; the message names the reference, the problem and a remedy. */
public final class InvalidReferenceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String reference;

    InvalidReferenceException(String reference, String message) {
        super(message);
        this.reference = reference;
    }

    /** The reference as given (may be null). */
    public String reference() {
        return reference;
    }
}
