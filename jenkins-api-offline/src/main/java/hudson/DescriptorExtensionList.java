package hudson;

import hudson.model.Describable;
import hudson.model.Descriptor;
import jenkins.model.Jenkins;

/** Stand-in: the registered descriptors of one {@link Describable} type, highest ordinal first. */
public class DescriptorExtensionList<T extends Describable<T>, D extends Descriptor<T>> extends ExtensionList<D> {
    protected DescriptorExtensionList(Jenkins jenkins, Class<T> describableType) {
        throw new UnsupportedOperationException();
    }
}
