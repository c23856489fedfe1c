package io.gpucloud.adapters.http.inference;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.adapters.http.wire.ApiException;
import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.adapters.http.wire.JsonFields;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Turns a {@code POST /v1/chat/completions} body into a {@link ChatRequest}, answering shape
 * problems as OpenAI does (400, {@code param} naming the field). Unknown top-level fields are kept
 * in {@link ChatRequest#extra()} for the engine; unknown message fields (name, tool_calls,
 * tool_call_id…) in {@link ChatMessage#extra()}.
 */
final class ChatRequestDecoder {
    /**
     * Messages per request. The body limit bounds bytes, not cost: tens of thousands of tiny messages would cost
     * per-message work in tokenizing, routing and the engine for nothing a real conversation needs.
     */
    static final int MAX_MESSAGES = 2_048;
    /** Content parts per message, for the same reason. */
    static final int MAX_CONTENT_PARTS = 256;

    private static final Set<String> NAMED = Set.of("model", "messages", "stream", "stream_options", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "n", "stop", "seed", "user");

    private ChatRequestDecoder() {
    }

    static ChatRequest decode(byte[] body) {
        JsonFields fields = JsonFields.root(Json.parse(body));
        String model = fields.requiredString("model");
        if (model.isBlank()) {
            throw JsonFields.invalidValue("model", "expected a model name, but got an empty string.");
        }
        List<ChatMessage> messages = messages(fields);
        boolean stream = fields.optionalBoolean("stream").orElse(false);
        boolean includeUsage = stream && includeUsage(fields);
        OptionalLong maxCompletion = fields.optionalInteger("max_completion_tokens", 1, Integer.MAX_VALUE);
        OptionalLong maxTokens = maxCompletion.isPresent() ? maxCompletion
                : fields.optionalInteger("max_tokens", 1, Integer.MAX_VALUE);
        int n = (int) fields.optionalInteger("n", 1, ChatRequest.MAX_CHOICES).orElse(1);
        return new ChatRequest(model, messages, stream, includeUsage,
                maxTokens.isPresent() ? OptionalInt.of((int) maxTokens.getAsLong()) : OptionalInt.empty(),
                fields.optionalNumber("temperature", 0, 2), fields.optionalNumber("top_p", 0, 1), n, stop(fields),
                fields.optionalInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE), fields.optionalString("user"),
                extra(fields));
    }

    private static List<ChatMessage> messages(JsonFields fields) {
        JsonNode array = fields.node("messages");
        if (array == null) {
            throw JsonFields.missing("messages");
        }
        if (!array.isArray()) {
            throw JsonFields.invalidType("messages", "an array", array);
        }
        if (array.isEmpty()) {
            throw ApiException.invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", "messages", "empty_array");
        }
        if (array.size() > MAX_MESSAGES) {
            throw tooLong("messages", MAX_MESSAGES, array.size());
        }
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            messages.add(message(JsonFields.object(array.get(i), "messages[" + i + "]")));
        }
        return messages;
    }

    private static ChatMessage message(JsonFields message) {
        String role = message.requiredString("role");
        if (!ChatMessage.ROLES.contains(role)) {
            throw JsonFields.invalidValue(message.param("role"), "'" + role
                    + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
        }
        Optional<String> content = content(message, role);
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<String> names = message.names(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("role") && !name.equals("content")) {
                JsonNode value = message.node(name);
                extra.put(name, value == null ? null : Json.toPlain(value));
            }
        }
        return new ChatMessage(role, content, extra);
    }

    /** A string, or text parts joined by newlines; absent only on an assistant message with tool calls. */
    private static Optional<String> content(JsonFields message, String role) {
        JsonNode content = message.node("content");
        String param = message.param("content");
        if (content == null) {
            boolean callsTools = message.node("tool_calls") != null || message.node("function_call") != null;
            if (role.equals("assistant") && callsTools) {
                return Optional.empty();
            }
            throw JsonFields.missing(param);
        }
        if (content.isTextual()) {
            return Optional.of(content.textValue());
        }
        if (!content.isArray()) {
            throw JsonFields.invalidType(param, "a string or an array of content parts", content);
        }
        if (content.isEmpty()) {
            throw ApiException.invalidRequest("Invalid '" + param + "': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", param, "empty_array");
        }
        if (content.size() > MAX_CONTENT_PARTS) {
            throw tooLong(param, MAX_CONTENT_PARTS, content.size());
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonFields part = JsonFields.object(content.get(j), param + "[" + j + "]");
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw JsonFields.invalidValue(part.param("type"), "'" + type + "'. Only 'text' content parts are supported.");
            }
            if (j > 0) {
                text.append('\n');
            }
            text.append(part.requiredString("text"));
        }
        return Optional.of(text.toString());
    }

    private static ApiException tooLong(String param, int max, int actual) {
        return ApiException.invalidRequest("Invalid '" + param + "': array too long. Expected an array with maximum length "
                + max + ", but got an array with length " + actual + " instead.", param, "array_above_max_length");
    }

    private static boolean includeUsage(JsonFields fields) {
        JsonNode options = fields.node("stream_options");
        if (options == null) {
            return false;
        }
        return JsonFields.object(options, "stream_options").optionalBoolean("include_usage").orElse(false);
    }

    private static List<String> stop(JsonFields fields) {
        JsonNode stop = fields.node("stop");
        if (stop == null) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.textValue());
        }
        if (!stop.isArray()) {
            throw JsonFields.invalidType("stop", "a string or an array of strings", stop);
        }
        return fields.optionalStringList("stop", ChatRequest.MAX_STOP_SEQUENCES).orElse(List.of());
    }

    private static Map<String, Object> extra(JsonFields fields) {
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<String> names = fields.names(); names.hasNext(); ) {
            String name = names.next();
            if (!NAMED.contains(name)) {
                JsonNode value = fields.node(name);
                extra.put(name, value == null ? null : Json.toPlain(value));
            }
        }
        return extra;
    }
}
