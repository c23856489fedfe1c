package io.gpucloud.domain.inference;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One message of a conversation. {@code content} is the text (parts of type text joined); it may
 * be absent on an assistant message that carries {@code tool_calls}. {@code extra} keeps the other
 * fields (name, tool_calls, tool_call_id, …) as plain JSON values for engines that pass them on.
 */
public record ChatMessage(String role, Optional<String> content, Map<String, Object> extra) {
    public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    public ChatMessage {
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + ROLES);
        }
        if (content == null) {
            throw new IllegalArgumentException("content must be present or empty");
        }
        extra = JsonValues.copy(extra);
    }

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, Optional.of(content), Map.of());
    }

    public String text() {
        return content.orElse("");
    }
}
