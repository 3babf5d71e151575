package org.springframework.security.core;

import java.io.Serializable;
import java.security.Principal;

/** Stand-in (Spring Security): who is acting; only passed around by the plugin. */
public interface Authentication extends Principal, Serializable {}
