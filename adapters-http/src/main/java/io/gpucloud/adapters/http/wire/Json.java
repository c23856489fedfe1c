package io.gpucloud.adapters.http.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The adapter's JSON: one shared, thread-safe mapper with tight read constraints (nesting depth
 * {@value #MAX_NESTING_DEPTH}, so a 10,000-deep document is refused after 64 levels), and a
 * streaming writer for responses.
 */
public final class Json {
    public static final int MAX_NESTING_DEPTH = 64;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final byte[] NOTHING = {};
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    /** Writes one JSON document. */
    @FunctionalInterface
    public interface Writer {
        void write(JsonGenerator json) throws IOException;
    }

    private Json() {
    }

    /**
     * The document's bytes, exactly sized. It is written into a buffer the thread keeps, so an answer costs one
     * allocation of its own size rather than a growing stream's copies (a tenth of a simulated request's bytes).
     */
    public static byte[] write(Writer writer) {
        return framed(NOTHING, writer, NOTHING);
    }

    /** {@code prefix}, the document and {@code suffix} in one array: a server-sent event without copying the document. */
    public static byte[] framed(byte[] prefix, Writer writer, byte[] suffix) {
        Output out = OUTPUT.get();
        if (out.inUse) {
            out = new Output(); // JSON written while writing JSON
        }
        out.inUse = true;
        try {
            out.writeBytes(prefix);
            try (JsonGenerator json = MAPPER.createGenerator(out)) {
                writer.write(json);
            } catch (IOException impossible) {
                throw new UncheckedIOException("writing JSON to memory failed", impossible);
            }
            out.writeBytes(suffix);
            return out.toByteArray();
        } finally {
            out.release();
        }
    }

    /** A thread's reusable buffer; one that grew for a large document is let go rather than kept. */
    private static final class Output extends ByteArrayOutputStream {
        private static final int INITIAL_BYTES = 1024;
        private static final int MAX_KEPT_BYTES = 64 * 1024;
        boolean inUse;

        Output() {
            super(INITIAL_BYTES);
        }

        void release() {
            inUse = false;
            reset();
            if (buf.length > MAX_KEPT_BYTES) {
                buf = new byte[INITIAL_BYTES];
            }
        }
    }

    /**
     * Parses a request body into a tree; an empty, malformed or too deeply nested body is a 400
     * {@code invalid_json}.
     */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.invalidRequest("The request body is empty; expected a JSON object.", null, "invalid_json");
        }
        try {
            return MAPPER.readTree(body);
        } catch (StreamConstraintsException tooDeep) {
            throw ApiException.invalidRequest("The JSON body is nested too deeply (more than " + MAX_NESTING_DEPTH
                    + " levels).", null, "invalid_json");
        } catch (JsonProcessingException malformed) {
            throw ApiException.invalidRequest("We could not parse the JSON body of your request: "
                    + malformed.getOriginalMessage(), null, "invalid_json");
        } catch (IOException unreadable) {
            throw ApiException.invalidRequest("We could not parse the JSON body of your request.", null, "invalid_json");
        }
    }

    /** A JSON subtree as plain Java values (maps, lists, strings, numbers, booleans, null). */
    public static Object toPlain(JsonNode node) {
        try {
            return MAPPER.treeToValue(node, Object.class);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException("a parsed tree converts to plain values", impossible);
        }
    }

    /** ISO-8601 in UTC at millisecond precision, e.g. {@code 2025-01-31T12:00:00.123Z}. */
    public static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    public static void timestampField(JsonGenerator json, String name, Optional<Instant> instant) throws IOException {
        if (instant.isPresent()) {
            json.writeStringField(name, timestamp(instant.get()));
        } else {
            json.writeNullField(name);
        }
    }

    public static void stringField(JsonGenerator json, String name, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            json.writeStringField(name, value.get());
        } else {
            json.writeNullField(name);
        }
    }

    public static void numberField(JsonGenerator json, String name, OptionalLong value) throws IOException {
        if (value.isPresent()) {
            json.writeNumberField(name, value.getAsLong());
        } else {
            json.writeNullField(name);
        }
    }

    /** {@code {"error":{"message","type","param","code"}}}, all four present; no secret quoted in the message. */
    public static byte[] error(ApiError error) {
        return write(json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("message", Redaction.redact(error.message()));
            json.writeStringField("type", error.type());
            stringField(json, "param", error.param());
            stringField(json, "code", error.code());
            json.writeEndObject();
            json.writeEndObject();
        });
    }
}
