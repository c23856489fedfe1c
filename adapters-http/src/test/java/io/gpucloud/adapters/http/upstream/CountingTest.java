package io.gpucloud.adapters.http.upstream;

import io.gpucloud.adapters.http.inference.BpeTokenizer;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountingTest {
    private static final BpeTokenizer TOKENIZER = new BpeTokenizer();
    private static final String[] WORDS = {"the", "GPU", "token", "is", "counted", "éclair", "naïve", "日本語", "🌍", "x2",
            "42", "1234567", "3.14", "(a)", "don't", "I'm", "\n", "\n\n", "  ", "\t", "--", "?!", "v2beta", "t1795930688061630"};

    private static String randomText(Random random, int words) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(random.nextInt(4) == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-4o-mini", "llama-3-8b"})
    void aLongCompletionInPieces_isCountedExactlyAsTheWholeText_holdingLittleOfIt(String model) {
        Random random = new Random(model.hashCode());
        for (int round = 0; round < 20; round++) {
            String text = randomText(random, 3_000);
            Counting counting = new Counting(TOKENIZER, ChatRequest.of(model, List.of(ChatMessage.of("user", "hi"))));
            int maxHeld = 0;
            for (int at = 0; at < text.length(); ) {
                int end = Math.min(text.length(), at + 1 + random.nextInt(12));
                counting.add(text.substring(at, end));
                maxHeld = Math.max(maxHeld, counting.heldChars());
                at = end;
            }

            assertEquals(TOKENIZER.count(model, text), counting.usage().completionTokens(), "round " + round);
            assertTrue(maxHeld < Counting.SLICE_CHARS + 16, "held " + maxHeld + " characters");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-4o-mini", "llama-3-8b"})
    void textWithoutABoundary_isCutAtTheMaximumSlice(String model) {
        String text = "=".repeat(40_000);
        Counting counting = new Counting(TOKENIZER, ChatRequest.of(model, List.of(ChatMessage.of("user", "hi"))));
        int maxHeld = 0;
        for (int at = 0; at < text.length(); at += 4) {
            counting.add(text.substring(at, at + 4));
            maxHeld = Math.max(maxHeld, counting.heldChars());
        }

        assertTrue(maxHeld < Counting.MAX_SLICE_CHARS, "held " + maxHeld + " characters");
        assertEquals(TOKENIZER.count(model, text), counting.usage().completionTokens());
    }
}
