package net.sf.json;

/**
 * Stand-in: json-lib's JSON object, as Stapler hands a form section to {@code configure}. Final like the real one
 * (tests mock it with the inline mock maker); its supertypes and the members the plugin does not call are left out.
 */
public final class JSONObject {
    public JSONObject() {
        throw new UnsupportedOperationException();
    }

    public String optString(String key) {
        throw new UnsupportedOperationException();
    }
}
