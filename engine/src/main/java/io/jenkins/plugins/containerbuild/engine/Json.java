package io.jenkins.plugins.containerbuild.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.util.Collection;
import java.util.Map;

/**
 * The daemon's JSON, read into {@link JsonNode} trees and written, with jackson-core's streaming parser and
 * generator only. An {@code ObjectMapper} would do the same, but building the first one sets up Jackson's date
 * formats and with them the JDK's locale data: ~70 ms of a CLI call that never needs a date.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    /** One JSON document; a missing node when the input is empty. */
    static JsonNode read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            return p.nextToken() == null ? MissingNode.getInstance() : tree(p);
        }
    }

    /** One JSON document; a missing node when the input is empty. */
    static JsonNode read(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            return p.nextToken() == null ? MissingNode.getInstance() : tree(p);
        }
    }

    /** The documents of a stream of JSON values (the daemon's progress lines), one at a time. */
    static Values values(InputStream in) throws IOException {
        return new Values(FACTORY.createParser(in));
    }

    /** Strings, numbers, booleans, nulls, collections and maps with string keys, as compact JSON. */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object o : c) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    /** The value that starts at the parser's current token. */
    private static JsonNode tree(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, tree(p)); // a repeated key: the last one wins, as with ObjectMapper
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(tree(p));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new IOException("Unexpected JSON token " + p.currentToken() + " at "
                    + p.currentLocation());
        }
    }

    /** Successive JSON values of one stream; closing it closes the stream. */
    static final class Values implements Closeable {
        private final JsonParser parser;
        private boolean ahead; // the parser stands on the first token of the next value

        private Values(JsonParser parser) {
            this.parser = parser;
        }

        boolean hasNext() throws IOException {
            if (!ahead) {
                ahead = parser.nextToken() != null;
            }
            return ahead;
        }

        JsonNode next() throws IOException {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException("no more JSON values");
            }
            ahead = false;
            return tree(parser);
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }
}
