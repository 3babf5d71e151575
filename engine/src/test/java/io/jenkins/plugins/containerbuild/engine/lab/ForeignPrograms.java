package io.jenkins.plugins.containerbuild.engine.lab;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Programs for a platform the lab's machine does not run, for platform tests (written here, byte by byte). */
public final class ForeignPrograms {

    private ForeignPrograms() {}

    /**
     * A complete static Linux program for arm64 that exits 0 ({@code mov x0, #0; mov x8, #93; svc #0}): an ELF header,
     * one loadable segment, three instructions. Where arm64 is emulated it runs (checked once with qemu-aarch64-static
     * 7.2: exit status 0); on an amd64 kernel without emulation, exec fails with ENOEXEC ("exec format error").
     */
    public static byte[] aarch64Exit0() {
        int[] code = {0xd2800000, 0xd2800ba8, 0xd4000001};
        int ehsize = 64;
        int phsize = 56;
        long base = 0x400000;
        int total = ehsize + phsize + code.length * 4;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}); // 64-bit, little endian
        b.putShort((short) 2).putShort((short) 183).putInt(1); // executable, EM_AARCH64, version
        b.putLong(base + ehsize + phsize).putLong(ehsize).putLong(0); // entry, program headers, no sections
        b.putInt(0).putShort((short) ehsize).putShort((short) phsize).putShort((short) 1) // flags, sizes, 1 segment
                .putShort((short) 0).putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(0).putLong(base).putLong(base) // PT_LOAD, read+execute, the whole file
                .putLong(total).putLong(total).putLong(0x1000);
        for (int instruction : code) {
            b.putInt(instruction);
        }
        return b.array();
    }

    /** Whether this machine's kernel runs arm64 programs through an emulator (binfmt_misc). */
    public static boolean arm64Emulated() {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/proc/sys/fs/binfmt_misc/qemu-aarch64"));
    }
}
