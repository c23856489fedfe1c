package io.gpucloud.adapters.http.inference;

import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTokenizerTest {
    private final BpeTokenizer tokenizer = new BpeTokenizer();

    @Test
    void encoding_isO200kForTheGpt4oFamilyAndOSeries_cl100kOtherwise() {
        assertEquals("o200k_base", BpeTokenizer.encodingName("gpt-4o"));
        assertEquals("o200k_base", BpeTokenizer.encodingName("gpt-4o-mini"));
        assertEquals("o200k_base", BpeTokenizer.encodingName("o1-preview"));
        assertEquals("o200k_base", BpeTokenizer.encodingName("o3-mini"));
        assertEquals("o200k_base", BpeTokenizer.encodingName("openai/GPT-4o"));
        assertEquals("cl100k_base", BpeTokenizer.encodingName("gpt-4"));
        assertEquals("cl100k_base", BpeTokenizer.encodingName("gpt-3.5-turbo"));
        assertEquals("cl100k_base", BpeTokenizer.encodingName("llama-2-7b"));
    }

    @Test
    void count_matchesTheRealEncodings() {
        assertEquals(2, tokenizer.count("gpt-4", "hello world"));
        assertEquals(2, tokenizer.count("gpt-4o", "hello world"));
        assertEquals(0, tokenizer.count("gpt-4", ""));
    }

    @Test
    void count_treatsSpecialTokenTextAsOrdinaryText() {
        // The special token would count as 1 (or throw); as text it is several ordinary tokens.
        assertTrue(tokenizer.count("gpt-4", "<|endoftext|>") > 1);
    }

    @Test
    void count_isThreadSafe() throws Exception {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(50);
        int expected = tokenizer.count("gpt-4o", text);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            var results = pool.invokeAll(IntStream.range(0, 64)
                    .mapToObj(i -> (Callable<Integer>) () -> tokenizer.count("gpt-4o", text)).toList());
            for (Future<Integer> result : results) {
                assertEquals(expected, result.get());
            }
        }
    }
}
