package io.jenkins.plugins.containerbuild.offline;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Writes the index that Jenkins reads with annotation-indexer's {@code Index.list}: for every annotation that is
 * itself annotated with {@code @org.jvnet.hudson.annotation_indexer.Indexed} (such as {@code @Symbol}), the file
 * {@code META-INF/services/annotations/ANNOTATION} lists, one per line, the binary names of the classes that use
 * it (for a use on a member, its class). Structs finds {@code @Symbol} descriptors through this file, so
 * {@code daemon: dind(...)} resolves only when it is present.
 *
 * <p>The build cannot use annotation-indexer itself (the version on Maven Central is far older than the baseline),
 * so this processor, written for this project, takes its place in the offline build. It compiles against nothing
 * but the JDK and runs wherever the stand-ins are on the processor path.
 */
@SupportedAnnotationTypes("*")
public final class IndexedAnnotationProcessor extends AbstractProcessor {

    static final String INDEXED = "org.jvnet.hudson.annotation_indexer.Indexed";
    static final String PREFIX = "META-INF/services/annotations/";

    private final Map<String, Set<String>> index = new TreeMap<>();

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (TypeElement annotation : annotations) {
            if (!isIndexed(annotation)) {
                continue;
            }
            Set<String> users = index.computeIfAbsent(annotation.getQualifiedName().toString(), k -> new TreeSet<>());
            for (Element e : round.getElementsAnnotatedWith(annotation)) {
                TypeElement type = enclosingType(e);
                if (type != null) {
                    users.add(processingEnv.getElementUtils().getBinaryName(type).toString());
                }
            }
        }
        if (round.processingOver()) {
            write();
        }
        return false;
    }

    private static boolean isIndexed(TypeElement annotation) {
        for (AnnotationMirror m : annotation.getAnnotationMirrors()) {
            if (INDEXED.equals(((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString())) {
                return true;
            }
        }
        return false;
    }

    private static TypeElement enclosingType(Element e) {
        Element current = e;
        while (current != null && !(current instanceof TypeElement)) {
            current = current.getEnclosingElement();
        }
        return (TypeElement) current;
    }

    private void write() {
        for (Map.Entry<String, Set<String>> entry : index.entrySet()) {
            if (entry.getValue().isEmpty()) {
                continue;
            }
            try {
                FileObject f = processingEnv.getFiler()
                        .createResource(StandardLocation.CLASS_OUTPUT, "", PREFIX + entry.getKey());
                try (Writer w = new java.io.OutputStreamWriter(f.openOutputStream(), StandardCharsets.UTF_8)) {
                    for (String name : entry.getValue()) {
                        w.write(name);
                        w.write('\n');
                    }
                }
            } catch (IOException e) {
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                        "Cannot write " + PREFIX + entry.getKey() + ": " + e.getMessage());
            }
        }
        index.clear();
    }
}
