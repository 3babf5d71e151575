package org.jvnet.hudson.annotation_indexer;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Stand-in: annotations marked with this are indexed at compile time into
 * {@code META-INF/services/annotations/ANNOTATION}; here by
 * {@code io.jenkins.plugins.containerbuild.offline.IndexedAnnotationProcessor}.
 */
@Documented
@Retention(RUNTIME)
@Target(ANNOTATION_TYPE)
public @interface Indexed {}
