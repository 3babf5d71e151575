package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which images a Dockerfile pulls, hence whose logins the build gets. */
class PullSourcesTest {

    @Test
    void fromLinesWithPlatformStagesScratchAndMetaArgs() {
        String dockerfile = """
                # syntax=registry.example.com/frontends/dockerfile:1
                # escape=\\
                ARG REGISTRY=localhost:5001
                ARG TAG
                FROM --platform=$BUILDPLATFORM ${REGISTRY}/team/base:${TAG:-1} AS build
                RUN --mount=type=cache,target=/c \\
                    --mount=type=bind,from=tools.example.com/tools:2,target=/t make
                FROM build AS test
                FROM scratch
                COPY --from=build /out /out
                COPY --from=0 /a /a
                COPY --from=ghcr.io/org/artifact:3 /b /b
                from docker.io/library/alpine:3
                FROM busybox
                """;
        assertThat(PullSources.images(dockerfile, Map.of())).containsExactly(
                "registry.example.com/frontends/dockerfile:1", "localhost:5001/team/base:1",
                "tools.example.com/tools:2", "ghcr.io/org/artifact:3", "docker.io/library/alpine:3", "busybox");
        assertThat(PullSources.images(dockerfile, Map.of("REGISTRY", "other:5000", "TAG", "7")))
                .contains("other:5000/team/base:7").doesNotContain("localhost:5001/team/base:1");
        assertThat(PullSources.hosts(PullSources.images(dockerfile, Map.of()))).containsExactly(
                "registry.example.com", "localhost:5001", "tools.example.com", "ghcr.io", "docker.io");
    }

    @Test
    void continuationsCommentsHeredocsAndUnresolvedReferences() {
        String dockerfile = """
                FROM \\
                  # a comment inside the instruction
                  localhost:5002/a:1
                RUN <<EOF
                FROM not-an-instruction.example.com/x:1
                EOF
                ARG LATE=late.example.com
                FROM ${LATE}/x:1
                FROM $UNSET/y:1
                """;
        // ARGs after the first FROM do not reach FROM lines; an unset one leaves an invalid reference, which names
        // no host
        assertThat(PullSources.hosts(PullSources.images(dockerfile, Map.of()))).containsExactly("localhost:5002");
    }

    @Test
    void theBacktickEscapeDirective() {
        String dockerfile = "# escape=`\nFROM `\n  localhost:5001/w:1\n";
        assertThat(PullSources.images(dockerfile, Map.of())).containsExactly("localhost:5001/w:1");
    }
}
