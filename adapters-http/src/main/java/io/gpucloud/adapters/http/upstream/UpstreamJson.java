package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAI wire format as the engine speaks it upstream: the request re-serialised from a
 * {@link ChatRequest} (every field the client sent, unknown ones untouched), and the upstream's
 * errors and model list read back; its completions and stream chunks are read by {@link AnswerReader}.
 */
final class UpstreamJson {
    /** Deep enough for any real completion (tool calls, logprobs), shallow enough to refuse a hostile document. */
    private static final int MAX_NESTING_DEPTH = 256;
    private static final int MAX_ERROR_MESSAGE_CHARS = 2_000;
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .build()).build();

    private UpstreamJson() {
    }

    /** The upstream didn't answer a valid OpenAI document. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The body of {@code POST /chat/completions}. {@code max_tokens} carries the client's limit (the
     * name every OpenAI-compatible server knows); streams ask for the usage chunk.
     */
    static byte[] request(ChatRequest request) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("model", request.model());
            json.writeArrayFieldStart("messages");
            for (ChatMessage message : request.messages()) {
                json.writeStartObject();
                json.writeStringField("role", message.role());
                if (message.content().isPresent()) {
                    json.writeStringField("content", message.content().get());
                } else {
                    json.writeNullField("content");
                }
                for (Map.Entry<String, Object> field : message.extra().entrySet()) {
                    json.writeFieldName(field.getKey());
                    json.writeObject(field.getValue());
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            if (request.stream()) {
                json.writeBooleanField("stream", true);
                json.writeObjectFieldStart("stream_options");
                json.writeBooleanField("include_usage", true);
                json.writeEndObject();
            }
            if (request.maxTokens().isPresent()) {
                json.writeNumberField("max_tokens", request.maxTokens().getAsInt());
            }
            if (request.temperature().isPresent()) {
                json.writeNumberField("temperature", request.temperature().getAsDouble());
            }
            if (request.topP().isPresent()) {
                json.writeNumberField("top_p", request.topP().getAsDouble());
            }
            if (request.n() != 1) {
                json.writeNumberField("n", request.n());
            }
            if (!request.stop().isEmpty()) {
                json.writeArrayFieldStart("stop");
                for (String stop : request.stop()) {
                    json.writeString(stop);
                }
                json.writeEndArray();
            }
            if (request.seed().isPresent()) {
                json.writeNumberField("seed", request.seed().getAsLong());
            }
            if (request.user().isPresent()) {
                json.writeStringField("user", request.user().get());
            }
            for (Map.Entry<String, Object> field : request.extra().entrySet()) {
                json.writeFieldName(field.getKey());
                json.writeObject(field.getValue());
            }
            json.writeEndObject();
        });
    }

    static JsonNode parse(byte[] bytes, int offset, int length) throws Malformed {
        try {
            JsonNode node = MAPPER.readTree(bytes, offset, length);
            if (node == null || !node.isObject()) {
                throw new Malformed("expected a JSON object");
            }
            return node;
        } catch (IOException notJson) {
            throw new Malformed("not JSON: " + notJson.getClass().getSimpleName());
        }
    }

    /**
     * What an upstream's error body says, in the shapes OpenAI-compatible servers use: OpenAI's and
     * llama.cpp's {@code {"error":{"message"}}}, TGI's {@code {"error":"…"}}, vLLM's older
     * {@code {"object":"error","message"}}, FastAPI's {@code {"detail":…}}; else the text itself.
     */
    static String errorMessage(byte[] body, int status) {
        String fallback = "The upstream refused the request (HTTP " + status + ").";
        if (body == null || body.length == 0) {
            return fallback;
        }
        try {
            JsonNode root = MAPPER.readTree(body);
            if (root != null && root.isObject()) {
                for (String field : List.of("error", "message", "detail")) {
                    Optional<String> message = messageOf(root.get(field));
                    if (message.isPresent()) {
                        return clip(message.get());
                    }
                }
            }
            return fallback;
        } catch (IOException notJson) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            boolean printable = !text.isEmpty() && text.chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\t');
            return printable && !text.startsWith("<") ? clip(text) : fallback;
        }
    }

    /** The ids of {@code GET /models}: {@code {"data":[{"id"}]}}. */
    static List<String> modelIds(byte[] body) throws Malformed {
        JsonNode root = parse(body, 0, body.length);
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) {
            throw new Malformed("no data array");
        }
        List<String> ids = new ArrayList<>(data.size());
        for (JsonNode model : data) {
            text(model.get("id")).filter(id -> !id.isBlank()).ifPresent(ids::add);
        }
        return ids;
    }

    static Optional<String> messageOf(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.asText()).filter(text -> !text.isBlank());
        }
        if (node.isObject()) {
            return messageOf(node.get("message")).or(() -> messageOf(node.get("msg")));
        }
        if (node.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode item : node) {
                messageOf(item).ifPresent(parts::add);
            }
            return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", parts));
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    static int parseInt(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }

    private static String clip(String message) {
        String stripped = message.strip();
        return stripped.length() <= MAX_ERROR_MESSAGE_CHARS ? stripped : stripped.substring(0, MAX_ERROR_MESSAGE_CHARS) + "…";
    }
}
