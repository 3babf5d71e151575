package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.Descriptor.FormException;
import java.io.Serial;
import java.util.function.UnaryOperator;

/**
 * A value that a step, daemon or option was given and cannot use: the message says what to write instead, the field
 * names the argument (and form field) it was given in.
 *
 * <p>Why not throw from the setter: Jenkins reports what a {@code @DataBoundSetter} or {@code @DataBoundConstructor}
 * throws badly. Stapler passes an unchecked exception out of form binding, and {@code Descriptor.newInstance} wraps
 * it in a {@code LinkageError} (an error page with a stack trace); structs' {@code DescribableModel.instantiate}
 * wraps it in an {@code IllegalArgumentException} whose message is the whole argument map and the reflection
 * exception, which Pipeline prints with its stack trace (only an {@code AbortException} is shown as one line). So
 * the setters and constructors of what Pipeline and forms bind keep what they are given (normalised when it is
 * valid) and never throw; {@code check()} finds what is wrong, and each boundary turns that into its own error:
 * {@link #toAbort()} when a step starts (and when the freestyle step runs), {@link #toForm()} in a descriptor's
 * {@code newInstance} (with a {@code doCheck} on the field as the user types), an {@code IllegalArgumentException}
 * for the global configuration (whose {@code configure} reports it, as Configuration as Code does).
 */
final class InvalidValueException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;

    InvalidValueException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The argument (and form field) that holds the value, such as {@code builder} or {@code image}. */
    String field() {
        return field;
    }

    /** What Pipeline shows as one line ({@code ERROR: message}). */
    AbortException toAbort() {
        return new AbortException(getMessage());
    }

    /** What a form shows for the field. */
    FormException toForm() {
        return new FormException(getMessage(), field);
    }

    /** Runs a check that throws IllegalArgumentException (the engine's and this plugin's rules do), for {@code field}. */
    static void require(String field, Runnable check) throws InvalidValueException {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            throw new InvalidValueException(field, e.getMessage());
        }
    }

    /**
     * What a setter stores: {@code value} normalised when it is valid, else as given (its {@code check()} reports
     * it); null stays null.
     */
    static String normalisedOrAsGiven(String value, UnaryOperator<String> normalise) {
        if (value == null) {
            return null;
        }
        try {
            return normalise.apply(value);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }
}
