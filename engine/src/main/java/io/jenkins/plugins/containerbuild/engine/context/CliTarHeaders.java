package io.jenkins.plugins.containerbuild.engine.context;

/**
 * What the docker CLI of a release puts in the headers of a classic build's context tar, besides the name, size,
 * mtime and link of each entry (uid and gid are always 0). The classic builder's {@code COPY dir:} and
 * {@code COPY file:} checksums cover the owner names and the whole mode, so only a tar with the same headers shares
 * the builder's cache with {@code docker build} on the same daemon. Seen through a recording proxy on the lab: the
 * 20.10 CLI sends {@code root}/{@code root} for a file of root's and {@code 100644} for a regular file, the 26.1 CLI
 * empty names and {@code 644}.
 */
public enum CliTarHeaders {

    /**
     * Docker 20.10 and older (API 1.41 and below): the names of the file's owner and group as the machine's user and
     * group databases give them (empty when it has none), and the mode with its file-type bits ({@code 0100000} for
     * a regular file and a hard link to one, {@code 040000} for a directory, {@code 0120000} for a symbolic link).
     */
    OWNER_NAMES_AND_TYPE_BITS,

    /** Docker 23.0 (API 1.42): no owner names (the CLI stopped looking them up), the mode with its file-type bits. */
    TYPE_BITS,

    /** Docker 24.0 and newer (API 1.43 and above): no owner names, permission bits only. */
    PERMISSIONS_ONLY;

    /**
     * The headers of the CLI released with the daemon that speaks API {@code major.minor}, the CLI that sits beside
     * it on an agent.
     */
    public static CliTarHeaders ofApi(int major, int minor) {
        if (major != 1 || minor >= 43) {
            return PERMISSIONS_ONLY;
        }
        return minor == 42 ? TYPE_BITS : OWNER_NAMES_AND_TYPE_BITS;
    }

    boolean ownerNames() {
        return this == OWNER_NAMES_AND_TYPE_BITS;
    }

    boolean typeBits() {
        return this != PERMISSIONS_ONLY;
    }
}
