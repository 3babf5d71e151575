package io.jenkins.plugins.containerbuild.engine.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which Dockerfiles have no build stage, as BuildKit's parser splits them into instructions. Every file here is only
 * read, never sent: a file without a stage would make Docker 20.10's daemon panic.
 */
class DockerfileStagesTest {

    private static boolean stage(String dockerfile) {
        return DockerfileStages.mayHaveStage(dockerfile.getBytes(StandardCharsets.UTF_8), true);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "\n\n   \n",
        "ARG X=1",
        "ARG X=1\n",
        "ARG X=1\nARG Y\n# FROM busybox\n",
        "  # FROM in a comment after blanks\nARG X=1\n",
        "ARG X=1 \\\n# FROM inside a continued ARG is a comment\n  FROM=2\n",   // one ARG: "ARG X=1   FROM=2"
        "ARG X=1 \\\n\n\nFROM busybox\n",                                      // empty lines continue it too
        "ARG FROM=busybox\n",
        "ARG X=FROM\n",
        "FROMX busybox\n",
        "FROM-busybox\n",
        "RUN echo\nFROM\u00a0busybox\n",   // a no-break space does not end the name
        "# escape=`\nARG X=1 `\nFROM busybox\n",
        "\ufeffARG X=1\n",
        "ARG X=1\r\nARG Y=2 \\\r\nFROM busybox\r\n",
    })
    void noStage(String dockerfile) {
        assertThat(stage(dockerfile)).as("%s", dockerfile).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "FROM busybox",
        "from busybox\n",
        "FrOm busybox\n",
        "  \tFROM busybox\n",
        "\u00a0FROM busybox\n",          // Go's unicode.IsSpace trims it before the name
        "FROM",                          // no image: the daemon says so
        "FROM\tbusybox\n",
        "ARG X=1\nFROM busybox:$X\n",
        "# comment\n\nARG X=1\n# FROM\nFROM busybox\n",
        "FR\\\nOM busybox\n",            // the name is read from the joined line
        "\\\n   FROM busybox\n",         // a leading escape: the joined line is trimmed
        "ARG X=1 \\  \t\nY=2\nFROM busybox\n",
        "# escape=`\nARG X=C:\\\nFROM busybox\n",        // with ` as escape, \\ continues nothing
        "#escape = ` \nARG X=C:\\\nFROM busybox\n",
        "# escape=\\\n# escape=`\nARG X=1\n",             // a repeated directive: the parser refuses it itself
        "# escape=x\nARG X=1\n",                          // an invalid escape: the parser refuses it itself
        "# check=skip=all\n# escape=`\nARG X=1 \\\nFROM busybox\n", // 20.10 ends directives at check: \\ continues
        "# check=skip=all\n# escape=`\nARG X=1 `\nFROM busybox\n",   // and newer daemons do not: ` continues
        "\ufeffFROM busybox\n",
        "RUN <<EOF\nFROM busybox\nEOF\n",                  // an instruction in a heredoc body counts
        "ARG X=1\r\nFROM busybox\r\n",
    })
    void hasStage(String dockerfile) {
        assertThat(stage(dockerfile)).as("%s", dockerfile).isTrue();
    }

    @Test
    void anotherFrontendDecidesUnderBuildKitButNotUnderTheClassicBuilder() {
        byte[] custom = "# syntax=example.com/frontend:1\nARG X=1\n".getBytes(StandardCharsets.UTF_8);
        assertThat(DockerfileStages.mayHaveStage(custom, false)).isTrue();
        assertThat(DockerfileStages.mayHaveStage(custom, true)).isFalse();
        byte[] late = "ARG X=1\n# syntax=example.com/frontend:1\n".getBytes(StandardCharsets.UTF_8);
        assertThat(DockerfileStages.mayHaveStage(late, false)).as("a directive after an instruction").isFalse();
    }

    @Test
    void aLineTooLongToJudgeLetsTheFileThrough() {
        String blanks = " ".repeat(DockerfileStages.LINE_PREFIX + 10);
        assertThat(stage("ARG X=1\n" + blanks + "FROM busybox\n")).isTrue();
        assertThat(stage("ARG X=1 " + "y".repeat(DockerfileStages.LINE_PREFIX) + "\\\nFROM busybox\n")).isTrue();
        assertThat(stage("ARG A=1\nARG X=" + "y".repeat(DockerfileStages.LINE_PREFIX * 4) + "\nARG Y=1\n")).isFalse();
    }

    @Test
    void aLargeFileIsReadAsAStream(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("Dockerfile");
        try (var out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < 200_000; i++) {
                out.write("ARG X" + i + "=" + "v".repeat(40) + "\n");
            }
        }
        assertThat(DockerfileStages.mayHaveStage(file, false)).isFalse();
        Files.writeString(file, "FROM busybox\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(DockerfileStages.mayHaveStage(file, false)).isTrue();
    }
}
