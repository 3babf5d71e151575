package hudson.remoting;

import java.io.IOException;

/** Stand-in: the connection between the controller and an agent, as seen from either end. */
public class Channel implements VirtualChannel {

    private Channel() {
        throw new UnsupportedOperationException();
    }

    public void addListener(Listener l) {
        throw new UnsupportedOperationException();
    }

    /** Stand-in: told when the channel closes. */
    public abstract static class Listener {
        public void onClosed(Channel channel, IOException cause) {}
    }
}
