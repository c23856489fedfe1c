package io.gpucloud.adapters.http.inference;

import com.fasterxml.jackson.core.JsonGenerator;
import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.TokenUsage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** OpenAI's chat shapes: {@code chat.completion}, SSE {@code chat.completion.chunk} events, the model list. */
final class ChatJson {
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /** What every chunk of one stream shares. */
    record StreamHeader(String id, long created, String model, boolean includeUsage) {
    }

    private ChatJson() {
    }

    static byte[] completion(ChatCompletion completion) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("id", completion.id());
            json.writeStringField("object", "chat.completion");
            json.writeNumberField("created", completion.created());
            json.writeStringField("model", completion.model());
            json.writeArrayFieldStart("choices");
            for (Choice choice : completion.choices()) {
                json.writeStartObject();
                json.writeNumberField("index", choice.index());
                json.writeObjectFieldStart("message");
                json.writeStringField("role", "assistant");
                Json.stringField(json, "content", choice.content());
                if (!choice.message().containsKey("refusal")) {
                    json.writeNullField("refusal");
                }
                extraFields(json, choice.message());
                json.writeEndObject();
                json.writeNullField("logprobs");
                json.writeStringField("finish_reason", choice.finishReason());
                json.writeEndObject();
            }
            json.writeEndArray();
            usage(json, completion.usage());
            json.writeEndObject();
        });
    }

    /** One {@code data: {chunk}\n\n} event. */
    static byte[] chunkEvent(StreamHeader stream, ChatChunk chunk) {
        return Json.framed(DATA, json -> {
            start(json, stream);
            json.writeArrayFieldStart("choices");
            for (ChunkChoice choice : chunk.choices()) {
                json.writeStartObject();
                json.writeNumberField("index", choice.index());
                json.writeObjectFieldStart("delta");
                if (choice.role().isPresent()) {
                    json.writeStringField("role", choice.role().get());
                }
                if (choice.content().isPresent()) {
                    json.writeStringField("content", choice.content().get());
                }
                extraFields(json, choice.delta());
                json.writeEndObject();
                json.writeNullField("logprobs");
                Json.stringField(json, "finish_reason", choice.finishReason());
                json.writeEndObject();
            }
            json.writeEndArray();
            if (stream.includeUsage()) {
                json.writeNullField("usage");
            }
            json.writeEndObject();
        }, END_OF_EVENT);
    }

    /** The last chunk with {@code include_usage}: no choices, the usage. */
    static byte[] usageEvent(StreamHeader stream, TokenUsage usage) {
        return Json.framed(DATA, json -> {
            start(json, stream);
            json.writeArrayFieldStart("choices");
            json.writeEndArray();
            usage(json, usage);
            json.writeEndObject();
        }, END_OF_EVENT);
    }

    static byte[] errorEvent(ApiError error) {
        return event(Json.error(error));
    }

    static byte[] models(List<ModelInfo> models) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            for (ModelInfo model : models) {
                json.writeStartObject();
                json.writeStringField("id", model.id());
                json.writeStringField("object", "model");
                json.writeNumberField("created", model.created());
                json.writeStringField("owned_by", model.ownedBy());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static void start(JsonGenerator json, StreamHeader stream) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", stream.id());
        json.writeStringField("object", "chat.completion.chunk");
        json.writeNumberField("created", stream.created());
        json.writeStringField("model", stream.model());
    }

    private static void usage(JsonGenerator json, TokenUsage usage) throws IOException {
        json.writeObjectFieldStart("usage");
        json.writeNumberField("prompt_tokens", usage.promptTokens());
        json.writeNumberField("completion_tokens", usage.completionTokens());
        json.writeNumberField("total_tokens", usage.totalTokens());
        json.writeEndObject();
    }

    private static void extraFields(JsonGenerator json, Map<String, Object> extra) throws IOException {
        for (Map.Entry<String, Object> field : extra.entrySet()) {
            if (!field.getKey().equals("role") && !field.getKey().equals("content")) {
                json.writeFieldName(field.getKey());
                json.writeObject(field.getValue());
            }
        }
    }

    private static byte[] event(byte[] json) {
        byte[] event = new byte[DATA.length + json.length + END_OF_EVENT.length];
        System.arraycopy(DATA, 0, event, 0, DATA.length);
        System.arraycopy(json, 0, event, DATA.length, json.length);
        System.arraycopy(END_OF_EVENT, 0, event, DATA.length + json.length, END_OF_EVENT.length);
        return event;
    }
}
