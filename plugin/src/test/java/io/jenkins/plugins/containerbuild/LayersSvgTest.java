package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The layer chart is markup on the build page: it must be well-formed and carry every daemon text as text only. */
class LayersSvgTest {

    @Test
    void scriptInCreatedByStaysText() throws Exception {
        String evil = "RUN echo <script>alert('x')</script> & \"quoted\" </text></svg><img src=x onerror=alert(1)>";
        ImageRecord image = new ImageRecord("sha256:" + "c".repeat(64), List.of("app:1"), 3_000_000,
                List.of(new ImageLayer("ADD file:abc in /", 2_000_000), new ImageLayer(evil, 1_000_000),
                        new ImageLayer("", 0)));

        String svg = image.getLayersSvg();

        assertThat(svg).doesNotContain("<script", "<img", "</svg><");
        assertThat(svg).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;");
        Document doc = assertWellFormed(svg);
        Element root = doc.getDocumentElement();
        assertThat(root.getLocalName()).isEqualTo("svg");
        assertThat(root.getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        assertThat(root.getElementsByTagNameNS("*", "script").getLength()).isZero();
        assertThat(root.getElementsByTagNameNS("*", "img").getLength()).isZero();
        assertThat(root.getElementsByTagNameNS("*", "rect").getLength()).isEqualTo(3);
        NodeList texts = root.getElementsByTagNameNS("*", "text");
        assertThat(texts.getLength()).isEqualTo(6);
        assertThat(texts.item(3).getTextContent()).as("the parsed text is the daemon text").isEqualTo(evil);
        assertThat(texts.item(0).getTextContent()).isEqualTo("2.0 MB");
        // bars in proportion to the largest layer
        Element first = (Element) root.getElementsByTagNameNS("*", "rect").item(0);
        Element second = (Element) root.getElementsByTagNameNS("*", "rect").item(1);
        assertThat(Integer.parseInt(first.getAttribute("width"))).isEqualTo(2 * Integer.parseInt(second.getAttribute("width")));
    }

    @Test
    void charactersXmlDoesNotAllowAreReplacedAndLongTextIsCut() throws Exception {
        String nasty = "RUN a\u0000b\u001bc\ud800d\uffff" + "\ud83d\ude00".repeat(LayersSvg.MAX_LABEL);
        String svg = LayersSvg.render(List.of(new ImageLayer(nasty, 1)));

        Document doc = assertWellFormed(svg);
        String label = doc.getDocumentElement().getElementsByTagNameNS("*", "text").item(1).getTextContent();
        assertThat(label).startsWith("RUN a\uFFFDb\uFFFDc\uFFFDd\uFFFD\ud83d\ude00").endsWith("\u2026");
        assertThat(label.codePointCount(0, label.length())).isEqualTo(LayersSvg.MAX_LABEL + 1);
    }

    @Test
    void anImageWithoutLayersStillGivesAValidChart() throws Exception {
        assertWellFormed(LayersSvg.render(List.of()));
        assertThat(LayersSvg.humanSize(999)).isEqualTo("999 B");
        assertThat(LayersSvg.humanSize(1_234_567)).isEqualTo("1.2 MB");
    }

    @Test
    void theActionRecordsBuildsAndPushesOfARun() {
        ContainerBuildAction action = new ContainerBuildAction();
        BuiltImage built = new BuiltImage("sha256:" + "d".repeat(64), List.of("app:1"), 42);
        action.built(new BuildOutcome(built, List.of(new ImageLayer("RUN make", 42))));
        action.pushed(built, Map.of("reg.example.com/app:1", "sha256:" + "e".repeat(64)));
        action.pushed(null, Map.of("reg.example.com/other:2", "sha256:" + "f".repeat(64)));

        assertThat(action.getImages()).hasSize(2);
        ImageRecord first = action.getImages().get(0);
        assertThat(first.getShortId()).isEqualTo("d".repeat(12));
        assertThat(first.getPushed()).extracting(ImageRecord.PushedTag::getTag).containsExactly("reg.example.com/app:1");
        assertThat(first.getLayers()).containsExactly(new ImageLayer("RUN make", 42));
        ImageRecord second = action.getImages().get(1);
        assertThat(second.getImageId()).isNull();
        assertThat(second.getTags()).containsExactly("reg.example.com/other:2");
        assertThat(action.getUrlName()).isEqualTo("container-images");
        assertThat(action.getDisplayName()).isNotBlank();
    }

    /** Parses {@code xml} with the JDK's parser, namespace-aware, without external entities. */
    static Document assertWellFormed(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
