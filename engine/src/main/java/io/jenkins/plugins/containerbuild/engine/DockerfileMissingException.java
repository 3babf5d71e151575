package io.jenkins.plugins.containerbuild.engine;

/** The Dockerfile named by the request does not exist. */
public class DockerfileMissingException extends BuildContextException {

    private static final long serialVersionUID = 1L;

    public DockerfileMissingException(String message) {
        super(message);
    }
}
