package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the agent runs of {@code containerPush} does not load the step's class there: the push callable uses no field
 * or method of {@link ContainerPushStep} (its class file's constant pool is read; a compile-time constant such as the
 * function name is inlined and uses nothing). The build callable reads the step's getters only in its constructor,
 * on the controller.
 */
class AgentSideClassesTest {

    @Test
    void thePushCallableUsesNoMemberOfTheStep() throws IOException {
        assertThat(memberOwners(PushImageCallable.class)).contains("io/jenkins/plugins/containerbuild/Messages")
                .doesNotContain("io/jenkins/plugins/containerbuild/ContainerPushStep",
                        "io/jenkins/plugins/containerbuild/ContainerBuildBuilder");
    }

    @Test
    void theSidecarCallablesAndTheRegistryUseNoMemberOfTheBlockStep() throws IOException {
        for (Class<?> c : List.of(StartSidecarCallable.class, ReleaseSidecarCallable.class, AdoptSidecarCallable.class,
                KeptSidecars.class)) {
            assertThat(memberOwners(c)).as(c.getName())
                    .doesNotContain("io/jenkins/plugins/containerbuild/WithContainerDaemonStep",
                            "io/jenkins/plugins/containerbuild/WithContainerDaemonStep$Execution");
        }
    }

    /** The classes whose fields and methods the class file refers to (Fieldref, Methodref, InterfaceMethodref). */
    static List<String> memberOwners(Class<?> c) throws IOException {
        try (InputStream raw = c.getResourceAsStream(c.getSimpleName() + ".class");
             DataInputStream in = new DataInputStream(raw)) {
            in.readInt(); // magic
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Map<Integer, String> utf8 = new HashMap<>();
            Map<Integer, Integer> classNames = new HashMap<>();
            List<Integer> memberClasses = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8.put(i, in.readUTF());
                    case 7 -> classNames.put(i, in.readUnsignedShort());
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 9, 10, 11 -> {
                        memberClasses.add(in.readUnsignedShort());
                        in.readUnsignedShort();
                    }
                    case 3, 4, 12, 17, 18 -> in.readInt();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 5, 6 -> {
                        in.readLong();
                        i++; // takes two entries
                    }
                    default -> throw new IOException("constant pool tag " + tag);
                }
            }
            List<String> owners = new ArrayList<>();
            for (int k : memberClasses) {
                owners.add(utf8.get(classNames.get(k)));
            }
            return owners;
        }
    }
}
