package hudson;

import java.util.AbstractList;
import java.util.Iterator;

/** Stand-in: the registered instances of an extension point. */
public class ExtensionList<T> extends AbstractList<T> {
    protected ExtensionList() {}

    public static <U> U lookupSingleton(Class<U> type) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Iterator<T> iterator() {
        throw new UnsupportedOperationException();
    }

    @Override
    public T get(int index) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int size() {
        throw new UnsupportedOperationException();
    }
}
