package io.gpucloud.domain.inference;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatRequestTest {

    @Test
    void constructor_whenMessagesAreEmpty_refuses() {
        assertThrows(IllegalArgumentException.class, () -> ChatRequest.of("gpt-4", List.of()));
    }

    @Test
    void constructor_whenNIsOutOfRange_refuses() {
        assertThrows(IllegalArgumentException.class, () -> new ChatRequest("gpt-4", List.of(ChatMessage.of("user", "hi")),
                false, false, OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 0, List.of(),
                OptionalLong.empty(), Optional.empty(), Map.of()));
    }

    @Test
    void message_whenRoleIsUnknown_refuses() {
        assertThrows(IllegalArgumentException.class, () -> ChatMessage.of("wizard", "hi"));
    }

    @Test
    void extra_keepsJsonNullsAndOrder() {
        Map<String, Object> extra = new HashMap<>();
        extra.put("tools", null);
        ChatRequest request = new ChatRequest("gpt-4", List.of(ChatMessage.of("user", "hi")), false, false,
                OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 1, List.of(), OptionalLong.empty(),
                Optional.empty(), extra);
        assertTrue(request.extra().containsKey("tools"));
        assertEquals("gpt-4o", request.withModel("gpt-4o").model());
    }
}
