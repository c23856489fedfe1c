package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.inference.JtokkitTokenizer;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Tokenizer;

import java.util.concurrent.CompletableFuture;

/**
 * Loads the BPE encodings (about a second) on a background thread so the server listens at once;
 * a count asked for before they are loaded waits for them, so counts are never approximate.
 */
final class BackgroundTokenizer implements Tokenizer {
    private final CompletableFuture<Tokenizer> loaded = new CompletableFuture<>();

    BackgroundTokenizer() {
        Thread.ofPlatform().name("tokenizer-loader").daemon(true).start(() -> {
            try {
                loaded.complete(new JtokkitTokenizer());
            } catch (RuntimeException | Error failure) {
                loaded.completeExceptionally(failure);
            }
        });
    }

    @Override
    public int count(String model, String text) {
        return loaded.join().count(model, text);
    }

    /** Delegated whole: the loaded tokenizer remembers the last prompt it counted (see JtokkitTokenizer). */
    @Override
    public int countPrompt(ChatRequest request) {
        return loaded.join().countPrompt(request);
    }
}
