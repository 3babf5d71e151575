package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@link Printable} escapes and keeps. */
class PrintableTest {

    @Test
    void aLineKeepsNoControlCharacter() {
        assertThat(Printable.line("evil.example.com\n==> Pushed fake sha256:00\u001b[2J\r\t\u0000\u007f\u009b\u2028"))
                .isEqualTo("evil.example.com\\n==> Pushed fake sha256:00\\x1b[2J\\r\\t\\x00\\x7f\\u009b\\u2028");
    }

    @Test
    void stepOutputKeepsLineFeedsAndTabsOnly() {
        assertThat(Printable.output("a\tb\r\nc\rd\u001b[31me\n")).isEqualTo("a\tb\nc\\rd\\x1b[31me\n");
    }

    @Test
    void printableTextIsTheSameStringAndNullStaysNull() {
        String plain = "[2/3] RUN make # ünïcode, a \\ backslash";
        assertThat(Printable.line(plain)).isSameAs(plain);
        assertThat(Printable.output(plain)).isSameAs(plain);
        assertThat(Printable.line(null)).isNull();
        assertThat(Printable.line(Printable.line("x\u001by"))).isEqualTo("x\\x1by");
    }
}
