package io.jenkins.plugins.containerbuild.cli;

import io.jenkins.plugins.containerbuild.engine.Json;

/**
 * The one-line JSON result of {@code --json}, written by the engine's jackson-core writer: printing a databind node
 * would build an {@code ObjectMapper}, whose date and locale set-up costs a short-lived CLI ~70 ms.
 */
final class JsonOutput {

    private JsonOutput() {}

    /** Strings, numbers, collections and maps (in their order), as compact JSON. */
    static String of(Object value) {
        return Json.write(value);
    }
}
