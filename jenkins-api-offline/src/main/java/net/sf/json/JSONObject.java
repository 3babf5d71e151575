package net.sf.json;

/**
 * Stand-in: json-lib's JSON object, as Stapler hands a form section to {@code configure}. Final like the real one
 * (tests mock it with the inline mock maker); its supertypes and members are left out, the plugin only passes it on.
 */
public final class JSONObject {
    public JSONObject() {
        throw new UnsupportedOperationException();
    }
}
