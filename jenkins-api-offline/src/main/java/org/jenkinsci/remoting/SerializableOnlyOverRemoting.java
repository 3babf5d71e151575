package org.jenkinsci.remoting;

import java.io.Serializable;

/** Stand-in: serializable only through a remoting channel. */
public interface SerializableOnlyOverRemoting extends Serializable {}
