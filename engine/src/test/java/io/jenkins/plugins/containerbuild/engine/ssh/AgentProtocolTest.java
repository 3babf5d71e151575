package io.jenkins.plugins.containerbuild.engine.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent byte stream arrives in chunks of any size; the reassembler cuts it into whole messages. */
class AgentProtocolTest {

    @Test
    void messagesSplitAndJoinedAcrossChunksComeOutWhole() throws IOException {
        byte[] one = {11};
        byte[] two = Wire.out().b(13).string("key").string("data").u32(4).bytes();
        byte[] stream = concat(AgentProtocol.frame(one), AgentProtocol.frame(two), AgentProtocol.frame(one));
        for (int cut = 1; cut < stream.length; cut++) {
            AgentProtocol.Reassembler r = new AgentProtocol.Reassembler();
            List<byte[]> first = r.add(Arrays.copyOfRange(stream, 0, cut));
            List<byte[]> rest = r.add(Arrays.copyOfRange(stream, cut, stream.length));
            List<byte[]> all = new java.util.ArrayList<>(first);
            all.addAll(rest);
            assertThat(all).as("cut at " + cut).containsExactly(one, two, one);
            assertThat(r.hasPartial()).isFalse();
        }
        AgentProtocol.Reassembler byteByByte = new AgentProtocol.Reassembler();
        int count = 0;
        for (byte b : stream) {
            count += byteByByte.add(new byte[] {b}).size();
        }
        assertThat(count).isEqualTo(3);
    }

    @Test
    void anOversizedOrEmptyMessageIsRefused() {
        byte[] huge = {0, 4, 0, 1, 11}; // 256 KiB + 1
        assertThatThrownBy(() -> new AgentProtocol.Reassembler().add(huge)).isInstanceOf(IOException.class)
                .hasMessageContaining("262145 bytes refused");
        assertThatThrownBy(() -> new AgentProtocol.Reassembler().add(new byte[] {0, 0, 0, 0}))
                .isInstanceOf(IOException.class);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
