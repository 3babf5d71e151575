package io.jenkins.plugins.containerbuild.engine;

import java.util.Arrays;

/**
 * The bytes of one build secret, which a {@code RUN --mount=type=secret,id=ID} step reads from the BuildKit
 * session. Held in memory only; {@link #toString()} shows the length, never the bytes.
 */
public final class BuildSecret {

    private final byte[] value;

    private BuildSecret(byte[] value) {
        this.value = value;
    }

    /** A secret holding a copy of {@code value}. */
    public static BuildSecret of(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("Build secret value is missing: give its bytes (they may be empty).");
        }
        return new BuildSecret(value.clone());
    }

    /** A copy of the secret's bytes: the caller hands them to the daemon and overwrites them after. */
    public byte[] bytes() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    /** Overwrites the bytes held here: the owner of the request calls it when the build has ended. */
    public void destroy() {
        Arrays.fill(value, (byte) 0);
    }

    @Override
    public String toString() {
        return "BuildSecret[" + value.length + " bytes]";
    }
}
