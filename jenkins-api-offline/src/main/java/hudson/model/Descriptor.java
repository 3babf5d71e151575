package hudson.model;

/** Stand-in: metadata and form support of a {@link Describable} type. */
public abstract class Descriptor<T extends Describable<T>> {
    /** Does nothing here: subclasses must stay constructible in tests. */
    protected Descriptor() {}

    public String getDisplayName() {
        throw new UnsupportedOperationException();
    }

    public synchronized void save() {
        throw new UnsupportedOperationException();
    }

    public synchronized void load() {
        throw new UnsupportedOperationException();
    }

    public T newInstance(org.kohsuke.stapler.StaplerRequest2 req, net.sf.json.JSONObject formData)
            throws FormException {
        throw new UnsupportedOperationException();
    }

    /**
     * Stand-in: a form submission that cannot be applied. Like every exception stand-in it keeps its message and
     * cause, and the form field; the HTTP response of the real one is left out.
     */
    public static final class FormException extends Exception {
        private final String formField;

        public FormException(String message, String formField) {
            super(message);
            this.formField = formField;
        }

        public FormException(String message, Throwable cause, String formField) {
            super(message, cause);
            this.formField = formField;
        }

        public String getFormField() {
            return formField;
        }
    }
}
