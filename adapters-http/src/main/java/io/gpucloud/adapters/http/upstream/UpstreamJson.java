package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gpucloud.application.inference.StreamChatService;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.TokenUsage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAI wire format as the engine speaks it upstream: the request re-serialised from a
 * {@link ChatRequest} (every field the client sent, unknown ones untouched), and the upstream's
 * completions, stream chunks, usage, errors and model list read back into domain values.
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = MAPPER.createGenerator(out)) {
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
        } catch (IOException impossible) {
            throw new UncheckedIOException("writing JSON to memory failed", impossible);
        }
        return out.toByteArray();
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

    /** A non-streamed {@code chat.completion}; usage counted with {@code tokens} when the upstream's is absent or invalid. */
    static ChatCompletion completion(JsonNode root, Clock clock, Counting tokens) throws Malformed {
        if (root.has("error") && !root.path("error").isNull()) {
            throw new Malformed("the upstream answered an error with a success status");
        }
        JsonNode choicesNode = root.get("choices");
        if (choicesNode == null || !choicesNode.isArray()) {
            throw new Malformed("no choices array");
        }
        List<Choice> choices = new ArrayList<>(choicesNode.size());
        for (int i = 0; i < choicesNode.size(); i++) {
            JsonNode choice = choicesNode.get(i);
            if (!choice.isObject()) {
                throw new Malformed("a choice is not an object");
            }
            JsonNode message = choice.path("message");
            Optional<String> content = text(message.get("content"));
            Map<String, Object> extra = new LinkedHashMap<>();
            if (message.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = message.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (!field.getKey().equals("role") && !field.getKey().equals("content")) {
                        extra.put(field.getKey(), plain(field.getValue()));
                    }
                }
            }
            content.ifPresent(tokens::add);
            countExtras(extra, tokens);
            choices.add(new Choice(choice.path("index").canConvertToInt() ? choice.path("index").asInt() : i, content,
                    text(choice.get("finish_reason")).orElse(null), extra));
        }
        TokenUsage usage = usage(root.get("usage")).orElseGet(tokens::usage);
        String id = text(root.get("id")).filter(value -> !value.isBlank()).orElseGet(StreamChatService::newCompletionId);
        long created = root.path("created").canConvertToLong() ? root.path("created").asLong() : clock.instant().getEpochSecond();
        return new ChatCompletion(id, created, text(root.get("model")).orElse(""), choices, usage);
    }

    /** The choices of one {@code chat.completion.chunk}; empty for a usage-only chunk. */
    static Optional<ChatChunk> chunk(JsonNode root, Counting tokens) throws Malformed {
        JsonNode choicesNode = root.get("choices");
        if (choicesNode == null || choicesNode.isNull()) {
            return Optional.empty();
        }
        if (!choicesNode.isArray()) {
            throw new Malformed("choices is not an array");
        }
        if (choicesNode.isEmpty()) {
            return Optional.empty();
        }
        List<ChunkChoice> choices = new ArrayList<>(choicesNode.size());
        for (int i = 0; i < choicesNode.size(); i++) {
            JsonNode choice = choicesNode.get(i);
            if (!choice.isObject()) {
                throw new Malformed("a choice is not an object");
            }
            JsonNode delta = choice.path("delta");
            Map<String, Object> extra = new LinkedHashMap<>();
            if (delta.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = delta.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (!field.getKey().equals("role") && !field.getKey().equals("content")) {
                        extra.put(field.getKey(), plain(field.getValue()));
                    }
                }
            }
            Optional<String> content = text(delta.get("content"));
            content.ifPresent(tokens::add);
            countExtras(extra, tokens);
            choices.add(new ChunkChoice(choice.path("index").canConvertToInt() ? choice.path("index").asInt() : i,
                    text(delta.get("role")), content, text(choice.get("finish_reason")), extra));
        }
        return Optional.of(new ChatChunk(choices));
    }

    /** A usage object with non-negative whole prompt and completion counts; anything else is no usage. */
    static Optional<TokenUsage> usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Optional.empty();
        }
        JsonNode prompt = usage.get("prompt_tokens");
        JsonNode completion = usage.get("completion_tokens");
        if (!wholeCount(prompt) || !wholeCount(completion)) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsage(prompt.asLong(), completion.asLong()));
    }

    /** An {@code error} carried by a stream event, if the event is one. */
    static Optional<String> streamError(JsonNode root) {
        JsonNode error = root.get("error");
        if (error == null || error.isNull()) {
            return Optional.empty();
        }
        return Optional.of(messageOf(error).orElse("the upstream reported an error"));
    }

    /** The {@code code} of a stream's error event when it is an HTTP client-error status. */
    static int streamErrorStatus(JsonNode root) {
        JsonNode code = root.path("error").path("code");
        int status = code.canConvertToInt() ? code.asInt() : code.isTextual() ? parseInt(code.asText()) : 0;
        return status >= 400 && status <= 499 ? status : 0;
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

    /** Adds the generated text outside {@code content} (tool call arguments, reasoning) to the count. */
    private static void countExtras(Map<String, Object> extra, Counting tokens) {
        if (extra.isEmpty()) {
            return;
        }
        if (extra.get("reasoning_content") instanceof String reasoning) {
            tokens.add(reasoning);
        }
        if (extra.get("tool_calls") instanceof List<?> calls) {
            for (Object call : calls) {
                if (call instanceof Map<?, ?> map && map.get("function") instanceof Map<?, ?> function) {
                    if (function.get("name") instanceof String name) {
                        tokens.add(name);
                    }
                    if (function.get("arguments") instanceof String arguments) {
                        tokens.add(arguments);
                    }
                }
            }
        }
    }

    private static Optional<String> messageOf(JsonNode node) {
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

    private static boolean wholeCount(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0;
    }

    private static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    private static Object plain(JsonNode node) {
        try {
            return MAPPER.treeToValue(node, Object.class);
        } catch (IOException impossible) {
            throw new IllegalStateException("a parsed tree converts to plain values", impossible);
        }
    }

    private static int parseInt(String text) {
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
