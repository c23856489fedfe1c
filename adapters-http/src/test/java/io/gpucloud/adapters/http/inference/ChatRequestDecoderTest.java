package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.wire.ApiException;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatRequestDecoderTest {

    private static ChatRequest decode(String json) {
        return ChatRequestDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decode_readsEveryNamedField() {
        ChatRequest request = decode("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"max_tokens\":5,\"temperature\":0.2,\"top_p\":0.9,\"n\":3,\"stop\":\"END\",\"seed\":-9,\"user\":\"u\","
                + "\"messages\":[{\"role\":\"developer\",\"content\":\"rules\"},{\"role\":\"user\",\"content\":\"hi\",\"name\":\"ann\"}]}");
        assertEquals("gpt-4o", request.model());
        assertTrue(request.stream());
        assertTrue(request.includeUsage());
        assertEquals(5, request.maxTokens().getAsInt());
        assertEquals(0.2, request.temperature().getAsDouble());
        assertEquals(0.9, request.topP().getAsDouble());
        assertEquals(3, request.n());
        assertEquals(List.of("END"), request.stop());
        assertEquals(-9, request.seed().getAsLong());
        assertEquals(Optional.of("u"), request.user());
        assertEquals(ChatMessage.of("developer", "rules"), request.messages().getFirst());
        assertEquals(Map.of("name", "ann"), request.messages().get(1).extra());
        assertTrue(request.extra().isEmpty());
    }

    @Test
    void decode_prefersMaxCompletionTokens_andKeepsUnknownFieldsForTheEngine() {
        ChatRequest request = decode("{\"model\":\"m\",\"max_tokens\":1,\"max_completion_tokens\":64,\"logit_bias\":{\"50256\":-100},"
                + "\"tools\":[{\"type\":\"function\"}],\"metadata\":null,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(64, request.maxTokens().getAsInt());
        assertEquals(Map.of("50256", -100), request.extra().get("logit_bias"));
        assertEquals(List.of(Map.of("type", "function")), request.extra().get("tools"));
        assertTrue(request.extra().containsKey("metadata"));
    }

    @Test
    void decode_joinsTextPartsAndAllowsToolCallsWithoutContent() {
        ChatRequest request = decode("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"1\"}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"1\",\"content\":\"42\"}]}");
        assertEquals(Optional.of("a\nb"), request.messages().getFirst().content());
        assertEquals(Optional.empty(), request.messages().get(1).content());
        assertEquals(List.of(Map.of("id", "1")), request.messages().get(1).extra().get("tool_calls"));
        assertEquals("1", request.messages().get(2).extra().get("tool_call_id"));
    }

    @Test
    void decode_ignoresIncludeUsageWhenNotStreaming_andTreatsNullAsAbsent() {
        ChatRequest request = decode("{\"model\":\"m\",\"stream\":null,\"stream_options\":{\"include_usage\":true},"
                + "\"max_tokens\":null,\"n\":null,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertFalse(request.stream());
        assertFalse(request.includeUsage());
        assertTrue(request.maxTokens().isEmpty());
        assertEquals(1, request.n());
    }

    @Test
    void decode_assistantWithoutContentOrToolCalls_isRefused() {
        ApiException refused = assertThrows(ApiException.class,
                () -> decode("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\"}]}"));
        assertEquals(Optional.of("messages[0].content"), refused.error().param());
    }

    @Test
    void decode_hugeIntegers_areOutOfRangeNotOverflowed() {
        ApiException refused = assertThrows(ApiException.class,
                () -> decode("{\"model\":\"m\",\"max_tokens\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        assertEquals(Optional.of("integer_above_max_value"), refused.error().code());
    }

    @Test
    void decode_deepNesting_isRefusedAsInvalidJson() {
        char[] open = new char[100_000];
        Arrays.fill(open, '[');
        ApiException refused = assertThrows(ApiException.class, () -> decode("{\"x\":" + new String(open)));
        assertEquals(Optional.of("invalid_json"), refused.error().code());
    }
}
