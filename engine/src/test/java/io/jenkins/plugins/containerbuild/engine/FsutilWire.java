package io.jenkins.plugins.containerbuild.engine;

/**
 * fsutil's packet types as the tests' hostile daemons write and read them on the session's DiffCopy calls, and the Go
 * file mode bits of a STAT: the tests' own reading of the wire, kept apart from the engine's {@code FsPacket} so that a
 * fault there cannot hide itself.
 */
final class FsutilWire {

    static final int STAT = 0;
    static final int REQ = 1;
    static final int DATA = 2;
    static final int FIN = 3;
    static final int ERR = 4;
    static final long GO_DIR = 1L << 31;
    static final long GO_SYMLINK = 1L << 27;
    static final long GO_SETGID = 1L << 22;

    private FsutilWire() {}
}
