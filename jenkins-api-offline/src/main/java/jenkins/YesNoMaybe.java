package jenkins;

/** Stand-in: the three answers of {@code Extension#dynamicLoadable()}. */
public enum YesNoMaybe {
    YES,
    NO,
    MAYBE
}
