package io.gpucloud.domain.inference;

import java.util.List;

/** One {@code chat.completion.chunk}; the HTTP adapter adds the id, created and model of the stream. */
public record ChatChunk(List<ChunkChoice> choices) {
    public ChatChunk {
        choices = List.copyOf(choices);
    }

    public static ChatChunk of(ChunkChoice choice) {
        return new ChatChunk(List.of(choice));
    }
}
