package io.gpucloud.domain.inference;

/** Counts tokens as the model's tokenizer would. Pure and thread-safe. */
public interface Tokenizer {
    int count(String model, String text);

    /** Prompt tokens of a request, with OpenAI's per-message overhead. */
    default int countPrompt(ChatRequest request) {
        int total = 3;
        for (ChatMessage message : request.messages()) {
            total += 3 + count(request.model(), message.text());
        }
        return total;
    }
}
