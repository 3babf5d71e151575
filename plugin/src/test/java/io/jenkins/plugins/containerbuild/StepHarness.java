package io.jenkins.plugins.containerbuild;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.when;

import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.Map;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * Runs a step's execution the way Jenkins would, with fakes only at the Jenkins boundary: the context hands out a
 * mocked {@link Run}, a capturing listener and a workspace whose {@link FilePath#act} serializes the callable (as
 * remoting would) and invokes it in-process on {@code workspace}. Everything below the callable is real.
 */
final class StepHarness {

    final Path workspace;
    @SuppressWarnings("rawtypes")
    final Run run = mock(Run.class);
    final CapturingListener listener = new CapturingListener();
    final FilePath filePath = mock(FilePath.class);
    final StepContext context = mock(StepContext.class);

    StepHarness(Path workspace) throws Exception {
        this.workspace = workspace;
        when(run.getExternalizableId()).thenReturn("containerbuild-plugin-test#1");
        when(context.get(Run.class)).thenReturn(run);
        when(context.get(FilePath.class)).thenReturn(filePath);
        when(context.get(TaskListener.class)).thenReturn(listener);
        when(filePath.act(any())).thenAnswer(invocation -> {
            FilePath.FileCallable<?> sent = roundTrip(invocation.getArgument(0));
            return sent.invoke(workspace.toFile(), null);
        });
    }

    /**
     * What {@code SynchronousNonBlockingStepExecution.start()} does on a thread of its own: run the execution
     * (whose context is ours).
     */
    BuiltImage build(ContainerBuildStep step) throws Exception {
        ContainerBuildStep.Execution e = spy(new ContainerBuildStep.Execution(context, step));
        doReturn(context).when(e).getContext();
        return e.run();
    }

    Map<String, String> push(ContainerPushStep step) throws Exception {
        ContainerPushStep.Execution e = spy(new ContainerPushStep.Execution(context, step));
        doReturn(context).when(e).getContext();
        return e.run();
    }

    String log() {
        return listener.log();
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T object) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
