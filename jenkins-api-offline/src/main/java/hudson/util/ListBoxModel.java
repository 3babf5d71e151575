package hudson.util;

import java.util.ArrayList;

/** Stand-in: the items of a drop-down list. */
public class ListBoxModel extends ArrayList<ListBoxModel.Option> {
    private static final long serialVersionUID = 1L;

    public ListBoxModel() {}

    /** Stand-in: one item. */
    public static final class Option {
        private Option() {}
    }
}
