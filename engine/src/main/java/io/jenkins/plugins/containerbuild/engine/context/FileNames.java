package io.jenkins.plugins.containerbuild.engine.context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * File names as the bytes on disk, whatever the JVM's file-name encoding ({@code sun.jnu.encoding}, taken from the
 * locale at start-up: ASCII under {@code LANG=POSIX} or with no locale at all, common for services and agents).
 *
 * <p>A Linux file name is a byte string; the docker CLI and BuildKit match, sort, send and write it as such. The JDK
 * decodes names with the start-up encoding and replaces what it cannot decode, so {@link Path#toString()} loses bytes,
 * although the {@link Path} itself keeps them. This class takes a name's bytes from the path's {@code file:} URI,
 * which the JDK builds from the raw bytes (each byte outside the URI's plain characters percent-encoded), and makes a
 * path from bytes through the same URI form, so no JNI and no internal API is needed.
 *
 * <p>Inside the engine a name is a Java {@code String} that holds the bytes losslessly: a byte sequence that is valid
 * UTF-8 is decoded as such, and each byte of an invalid sequence becomes the lone surrogate {@code U+DC80 + (byte -
 * 0x80)} (the "surrogateescape" convention of Python's file-name handling). {@link #encode} gives the same bytes back,
 * so a name read from disk, matched against a {@code .dockerignore} line, sent to the daemon and written to an output
 * directory keeps every byte. A valid UTF-8 name, the common case, is the ordinary string.
 */
public final class FileNames {

    /** Whether {@link Path#toString()} can be trusted for names that it decoded without a replacement character. */
    private static final boolean JNU_IS_UTF8 = isUtf8(System.getProperty("sun.jnu.encoding"));

    private static final int ESCAPE_BASE = 0xDC00;

    private FileNames() {}

    /**
     * The name of this path's last element, lossless: the ordinary string when the JVM decoded it exactly, else
     * decoded from the bytes on disk.
     */
    public static String name(Path path) {
        Path fileName = fileName(path);
        String decoded = fileName.toString();
        return exact(decoded) ? decoded : decode(uriBytes(fileName));
    }

    /** The bytes of the last element of this path, as stored by the file system. */
    public static byte[] bytes(Path path) {
        Path fileName = fileName(path);
        String decoded = fileName.toString();
        return exact(decoded) ? decoded.getBytes(StandardCharsets.UTF_8) : uriBytes(fileName);
    }

    /**
     * The target of a symbolic link as stored in it, lossless: the bytes of each element kept as {@link #decode}
     * holds them (Java's paths drop a trailing or repeated slash).
     */
    public static String linkTarget(Path link) throws IOException {
        Path target = Files.readSymbolicLink(link);
        String decoded = target.toString();
        return exact(decoded) ? decoded : decode(uriBytes(target));
    }

    /**
     * The child of {@code dir} named by these bytes, exactly, whatever the JVM's file-name encoding.
     *
     * @param name one path element: not empty, no slash, no NUL, not {@code .} or {@code ..}
     */
    public static Path resolve(Path dir, String name) {
        checkElement(name);
        return dir.resolve(path(name));
    }

    /**
     * The path written as this slash-separated name (absolute when it starts with a slash, as a link's target may),
     * each element with exactly its bytes; {@code .} and {@code ..} elements are kept as they are, not resolved.
     */
    public static Path path(String slashPath) {
        if (isAscii(slashPath)) {
            return Path.of(slashPath);
        }
        StringBuilder uri = new StringBuilder("file://");
        if (!slashPath.startsWith("/")) {
            uri.append('/');
        }
        for (byte b : encode(slashPath)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_.~/".indexOf(c) >= 0) {
                uri.append((char) c);
            } else {
                uri.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        try {
            Path absolute = Path.of(new URI(uri.toString()));
            // subpath, not relativize: relativize would resolve the ".." elements
            return slashPath.startsWith("/") ? absolute : absolute.subpath(0, absolute.getNameCount());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a path name: '" + slashPath + "'", e);
        }
    }

    private static Path fileName(Path path) {
        Path fileName = path.getFileName();
        if (fileName == null) {
            throw new IllegalArgumentException("A path with no file name has no name to read: " + path);
        }
        return fileName;
    }

    /**
     * The bytes of a path as the JDK holds them, read from the {@code file:} URI of {@code "/"} resolved against it,
     * whose raw path has every byte (percent-encoded where needed). The JDK appends a slash when the path names a
     * directory: it is never part of a name.
     */
    private static byte[] uriBytes(Path path) {
        String raw = Path.of("/").resolve(path).toUri().getRawPath();
        int from = path.isAbsolute() ? 0 : 1;
        int end = raw.length() > 1 && raw.endsWith("/") ? raw.length() - 1 : raw.length();
        return percentDecode(raw, from, end);
    }

    /** Decodes a name's bytes: UTF-8 where valid, each byte of an invalid sequence as a lone surrogate. */
    public static String decode(byte[] name) {
        return decode(name, 0, name.length);
    }

    /** Decodes part of an array as {@link #decode(byte[])} does. */
    public static String decode(byte[] buf, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(buf, offset, length);
        try {
            return decoder.decode(in).toString(); // the common case: valid UTF-8, one pass
        } catch (CharacterCodingException invalid) {
            // decode piece by piece below
        }
        in = ByteBuffer.wrap(buf, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        decoder.reset();
        while (true) {
            var result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            if (result.isError()) {
                for (int i = 0; i < result.length(); i++) {
                    out.put((char) (ESCAPE_BASE + (in.get() & 0xff)));
                }
            }
        }
        out.flip();
        return out.toString();
    }

    /** The bytes a name stands for: the inverse of {@link #decode(byte[])}. */
    public static byte[] encode(String name) {
        if (!hasEscapedByte(name)) {
            return name.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + 8);
        int start = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (isEscapedByte(name, i)) {
                out.writeBytes(name.substring(start, i).getBytes(StandardCharsets.UTF_8));
                out.write(c - ESCAPE_BASE);
                start = i + 1;
            }
        }
        out.writeBytes(name.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Compares two names by their bytes, as Go compares strings (the order of the docker CLI and BuildKit). */
    public static int compare(String a, String b) {
        if (isAscii(a) && isAscii(b)) {
            return a.compareTo(b);
        }
        return Arrays.compareUnsigned(encode(a), encode(b));
    }

    private static boolean exact(String decoded) {
        return isAscii(decoded) || (JNU_IS_UTF8 && decoded.indexOf('\uFFFD') < 0);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Whether the name holds a byte that is not part of valid UTF-8 (then {@link #encode} is needed). */
    static boolean hasEscapedByte(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isEscapedByte(s, i)) {
                return true;
            }
        }
        return false;
    }

    /** A lone low surrogate U+DC80..U+DCFF: only {@link #decode} makes one (a paired one is part of a code point). */
    private static boolean isEscapedByte(String s, int i) {
        char c = s.charAt(i);
        return c >= ESCAPE_BASE + 0x80 && c <= ESCAPE_BASE + 0xff
                && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
    }

    private static void checkElement(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Not a single file name: '" + name + "'");
        }
    }

    private static byte[] percentDecode(String raw, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < to) {
                out.write(Integer.parseInt(raw, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static boolean isUtf8(String encoding) {
        return encoding != null && (encoding.equalsIgnoreCase("UTF-8") || encoding.equalsIgnoreCase("UTF8"));
    }
}
