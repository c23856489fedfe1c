package io.gpucloud.bootstrap;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackgroundTokenizerTest {

    @Test
    void loadsNothingUntilAskedThenTheFirstCountLoadsAndWaits() {
        BackgroundTokenizer tokenizer = new BackgroundTokenizer();
        assertFalse(tokenizer.isLoaded());
        // Not started: the count itself must start the load, or it would wait forever.
        int tokens = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> tokenizer.count("gpt-4o", "Hello, world!"));
        assertEquals(4, tokens);
        assertTrue(tokenizer.isLoaded());
    }

    @Test
    void startLoadingIsIdempotent() {
        BackgroundTokenizer tokenizer = new BackgroundTokenizer().startLoading().startLoading();
        assertEquals(4, assertTimeoutPreemptively(Duration.ofSeconds(30), () -> tokenizer.count("gpt-4", "Hello, world!")));
    }
}
