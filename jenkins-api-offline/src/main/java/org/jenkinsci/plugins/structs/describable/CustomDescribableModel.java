package org.jenkinsci.plugins.structs.describable;

import java.util.Map;

/** Stand-in: structs' hook through which a descriptor rewrites the arguments before they are bound, and after. */
public interface CustomDescribableModel {
    default Map<String, Object> customInstantiate(Map<String, Object> arguments) {
        return arguments;
    }

    default UninstantiatedDescribable customUninstantiate(UninstantiatedDescribable ud) {
        return ud;
    }
}
