package io.jenkins.plugins.containerbuild;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.when;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Action;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * Runs a step's execution the way Jenkins would, with fakes only at the Jenkins boundary: the context hands out a
 * mocked {@link Run}, a capturing listener and a workspace whose {@link FilePath#act} serializes the callable (as
 * remoting would) and invokes it in-process on {@code workspace}. Everything below the callable is real. The run
 * keeps the actions added to it, as {@code Actionable} does.
 */
final class StepHarness {

    final Path workspace;
    @SuppressWarnings("rawtypes")
    final Run run = mock(Run.class);
    final CapturingListener listener = new CapturingListener();
    final FilePath filePath = mock(FilePath.class);
    final StepContext context = mock(StepContext.class);

    final List<Action> actions = new CopyOnWriteArrayList<>();
    /** The daemon of the {@code withContainerDaemon} block the steps run in; null outside one. */
    volatile BlockDaemon block;
    /** What the callables get as their channel on the "agent": null, as for a local call, unless a test sets one. */
    volatile hudson.remoting.VirtualChannel channel;
    /** Each callable as Java serialization sent it to the agent, and each return value as it came back. */
    final List<byte[]> wire = new CopyOnWriteArrayList<>();
    final List<byte[]> returned = new CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    StepHarness(Path workspace) throws Exception {
        this.workspace = workspace;
        doAnswer(invocation -> actions.add(invocation.getArgument(0))).when(run).addAction(any());
        when(run.getAction(any(Class.class))).thenAnswer(invocation -> {
            Class<?> type = invocation.getArgument(0);
            return actions.stream().filter(type::isInstance).findFirst().orElse(null);
        });
        when(run.getExternalizableId()).thenReturn("containerbuild-plugin-test#1");
        when(context.get(Run.class)).thenReturn(run);
        when(context.get(FilePath.class)).thenReturn(filePath);
        when(context.get(TaskListener.class)).thenReturn(listener);
        when(context.get(BlockDaemon.class)).thenAnswer(invocation -> block == null ? null : roundTrip(block));
        when(filePath.act(any())).thenAnswer(invocation -> actOnAgent(invocation.getArgument(0)));
        when(filePath.actAsync(any())).thenAnswer(invocation -> {
            Object result = actOnAgent(invocation.getArgument(0));
            return java.util.concurrent.CompletableFuture.completedFuture(result);
        });
    }

    /** What the workspace's {@code act} does: the callable, serialized and run here as on the agent. */
    Object actOnAgent(FilePath.FileCallable<?> callable) throws Exception {
        wire.add(serialize(callable));
        FilePath.FileCallable<?> sent = roundTrip(callable);
        Object result = sent.invoke(workspace.toFile(), channel);
        returned.add(serialize(result));
        return roundTrip(result);
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

    /**
     * What a freestyle build does with the builder: {@code perform} with the build's environment ({@code vars}
     * expanded as {@code ${NAME}}) and a launcher the step does not use.
     */
    void freestyle(ContainerBuildBuilder builder, Map<String, String> vars) throws Exception {
        EnvVars env = mock(EnvVars.class);
        when(env.expand(any())).thenAnswer(invocation -> {
            String s = invocation.getArgument(0);
            for (Map.Entry<String, String> v : vars.entrySet()) {
                s = s.replace("${" + v.getKey() + "}", v.getValue());
            }
            return s;
        });
        builder.perform(run, filePath, env, mock(Launcher.class), listener);
    }

    /** The images recorded on the build page, or null when none. */
    ContainerBuildAction action() {
        return actions.stream().filter(ContainerBuildAction.class::isInstance).map(ContainerBuildAction.class::cast)
                .findFirst().orElse(null);
    }

    String log() {
        return listener.log();
    }

    static byte[] serialize(Object object) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        return bytes.toByteArray();
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
