package io.jenkins.plugins.containerbuild.engine.context;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A compiled {@code .dockerignore} pattern or {@code filepath.Match} path element, matched in time proportional to
 * the pattern's length times the name's, whatever both hold.
 *
 * <p>Why not {@code java.util.regex}, which matched these patterns before: it backtracks. The line
 * {@code *a*a*a*a*a*a*a*a*a*a*a*a*a*a*b} against a name of 60 {@code a}s made it try every way of sharing the name
 * among the stars, and the context walk spun at 100% CPU for as long as one cared to wait (issue 17), deaf to an
 * abort. The docker CLI compiles the same patterns to Go regular expressions, which are automata and run in linear
 * time. Why not {@code re2j}, Go's RE2 ported to Java: the translation needs seven constructs, not a regular expression
 * engine; a dependency would have to travel in the plugin's {@code .hpi} and on the CLI's class path; and names may
 * hold lone surrogates (raw bytes of names that are not UTF-8), whose handling here is ours to define and test.
 *
 * <p>How (Thompson's construction): the pattern becomes a list of instructions: test one code point, split into two
 * continuations, jump, assert the start of the name, match. Matching carries the set of live instructions along
 * the name one code point at a time and adds each instruction to a set at most once, so one match does at most
 * (instructions × code points) steps and keeps no state between calls (a {@code Glob} is immutable and may be shared
 * between threads). That bound is also why a match needs no abort check of its own: a 4 KiB line of wildcards against
 * a 4 KiB path takes about 0.1 s, the line against 60 {@code a}s under a millisecond, and the walk looks for
 * an interrupt between directories.
 *
 * <p>The name is read by code point, as {@code java.util.regex} read it: a surrogate pair is one character, a lone
 * surrogate (U+DC80..U+DCFF standing for a raw byte) is one character of its own, matched by {@code ?}, {@code *}
 * and a literal lone surrogate of the pattern.
 *
 * <p>One difference from the docker CLI, on purpose: a {@code .dockerignore} line holding bytes that are not UTF-8
 * makes Go's regular expression refuse to compile, so {@code docker build} fails on it; here such a line matches the
 * names with the same bytes, as any other line matches its names (a file named with such bytes can be left out).
 */
final class Glob {

    private static final int CHAR = 0;
    private static final int SPLIT = 1;
    private static final int JUMP = 2;
    private static final int BEGIN = 3;
    private static final int MATCH = 4;

    /** The one-code-point tests of a {@code CHAR} instruction. */
    private static final int LITERAL = 0;
    private static final int NOT_SLASH = 1;
    private static final int NOT_NEWLINE = 2;
    private static final int CLASS = 3;

    /** Per instruction: its operation and two operands (CHAR: test and literal or class; SPLIT: both targets). */
    private final int[] op;
    private final int[] a;
    private final int[] b;
    /** Character classes: sorted {@code lo, hi} pairs; and whether each is negated. */
    private final int[][] classRanges;
    private final boolean[] classNegated;

    private Glob(int[] op, int[] a, int[] b, int[][] classRanges, boolean[] classNegated) {
        this.op = op;
        this.a = a;
        this.b = b;
        this.classRanges = classRanges;
        this.classNegated = classNegated;
    }

    static Builder builder() {
        return new Builder();
    }

    /** Whether the whole of {@code name} matches. */
    boolean matches(CharSequence name) {
        int size = op.length;
        int[] current = new int[size];
        int[] next = new int[size];
        int[] stack = new int[2 * size + 1]; // each instruction, taken once per step, pushes at most two
        // the step at which an instruction was last added to a set: an instruction enters each set once
        int[] addedAt = new int[size];
        Arrays.fill(addedAt, -1);
        int step = 0;
        int live = close(0, true, current, 0, stack, addedAt, step);
        int length = name.length();
        int pos = 0;
        while (pos < length && live > 0) {
            int cp = Character.codePointAt(name, pos);
            pos += Character.charCount(cp);
            step++;
            int nextLive = 0;
            for (int i = 0; i < live; i++) {
                int pc = current[i];
                if (op[pc] == CHAR && test(pc, cp)) {
                    nextLive = close(pc + 1, false, next, nextLive, stack, addedAt, step);
                }
            }
            int[] swap = current;
            current = next;
            next = swap;
            live = nextLive;
        }
        if (pos < length) {
            return false;
        }
        for (int i = 0; i < live; i++) {
            if (op[current[i]] == MATCH) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds {@code start} and everything reachable from it without reading a character to {@code set} (after its
     * first {@code count} entries); only CHAR and MATCH instructions are kept. Returns the new count.
     */
    private int close(int start, boolean atStart, int[] set, int count, int[] stack, int[] addedAt, int step) {
        int top = 0;
        stack[top++] = start;
        while (top > 0) {
            int pc = stack[--top];
            if (addedAt[pc] == step) {
                continue;
            }
            addedAt[pc] = step;
            switch (op[pc]) {
                case SPLIT -> {
                    stack[top++] = b[pc];
                    stack[top++] = a[pc];
                }
                case JUMP -> stack[top++] = a[pc];
                case BEGIN -> {
                    if (atStart) {
                        stack[top++] = pc + 1;
                    }
                }
                default -> set[count++] = pc;
            }
        }
        return count;
    }

    private boolean test(int pc, int cp) {
        return switch (a[pc]) {
            case LITERAL -> cp == b[pc];
            case NOT_SLASH -> cp != '/';
            case NOT_NEWLINE -> cp != '\n';
            default -> inClass(b[pc], cp);
        };
    }

    private boolean inClass(int index, int cp) {
        int[] ranges = classRanges[index];
        boolean in = false;
        for (int i = 0; i < ranges.length && !in; i += 2) {
            in = ranges[i] <= cp && cp <= ranges[i + 1];
        }
        return in != classNegated[index];
    }

    /**
     * Appends the pieces of a pattern in order; each piece is named after the regular expression that the docker CLI
     * writes for it, which it matches exactly.
     */
    static final class Builder {

        private final List<int[]> code = new ArrayList<>();
        private final List<int[]> classes = new ArrayList<>();
        private final List<Boolean> negated = new ArrayList<>();

        private Builder() {}

        /** One code point, itself. */
        Builder literal(int cp) {
            return test(LITERAL, cp);
        }

        /** {@code [^/]}: one code point other than {@code /} ({@code ?}). */
        Builder anyButSlash() {
            return test(NOT_SLASH, 0);
        }

        /** {@code [^/]*}: any run of code points without {@code /} ({@code *}). */
        Builder runWithoutSlash() {
            return run(NOT_SLASH);
        }

        /** {@code .*}: any run of code points without a line feed ({@code **} at the end). */
        Builder runWithoutNewline() {
            return run(NOT_NEWLINE);
        }

        /** {@code (?:.*}{@code /)?}: nothing, or a run without a line feed that ends with {@code /} ({@code **}{@code /}). */
        Builder anyDirectories() {
            int at = code.size();
            emit(SPLIT, at + 1, at + 5);
            emit(SPLIT, at + 2, at + 4);
            emit(CHAR, NOT_NEWLINE, 0);
            emit(JUMP, at + 1, 0);
            emit(CHAR, LITERAL, '/');
            return this;
        }

        /**
         * One code point in (or, negated, not in) the inclusive ranges given as {@code lo, hi} pairs. Without ranges
         * nothing matches, or, negated, every code point does.
         */
        Builder characterClass(int[] ranges, boolean negate) {
            classes.add(ranges.clone());
            negated.add(negate);
            return test(CLASS, classes.size() - 1);
        }

        /** {@code ^}: only at the start of the name (the docker CLI leaves a {@code ^} of the pattern unescaped). */
        Builder start() {
            emit(BEGIN, 0, 0);
            return this;
        }

        Glob build() {
            List<int[]> all = new ArrayList<>(code);
            all.add(new int[] {MATCH, 0, 0});
            int size = all.size();
            int[] op = new int[size];
            int[] a = new int[size];
            int[] b = new int[size];
            for (int i = 0; i < size; i++) {
                op[i] = all.get(i)[0];
                a[i] = all.get(i)[1];
                b[i] = all.get(i)[2];
            }
            boolean[] neg = new boolean[negated.size()];
            for (int i = 0; i < neg.length; i++) {
                neg[i] = negated.get(i);
            }
            return new Glob(op, a, b, classes.toArray(int[][]::new), neg);
        }

        private Builder test(int kind, int operand) {
            emit(CHAR, kind, operand);
            return this;
        }

        private Builder run(int kind) {
            int at = code.size();
            emit(SPLIT, at + 1, at + 3);
            emit(CHAR, kind, 0);
            emit(JUMP, at, 0);
            return this;
        }

        private void emit(int operation, int first, int second) {
            code.add(new int[] {operation, first, second});
        }
    }
}
