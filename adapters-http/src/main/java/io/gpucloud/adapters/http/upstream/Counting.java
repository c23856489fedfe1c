package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;

/**
 * Counts a call's tokens with the tokenizer, for upstreams that report no (or an invalid) usage.
 * Generated text is counted as it arrives, a slice at a time, so a stream holds at most about
 * {@value #SLICE_CHARS} characters of it: once that much is waiting, everything up to its last
 * pre-token boundary is counted and dropped. The boundaries used are ones where the pre-tokenizers of
 * {@code cl100k_base} and {@code o200k_base} always split (a space after a character that is not
 * whitespace, a letter after a digit), and BPE counts each pre-token apart, so the sum is the count
 * of the whole text. Text with no such boundary is cut at {@value #MAX_SLICE_CHARS} characters
 * (a token may then be split: within the tokenizer's own approximation for open models).
 * Not thread-safe: one call's callbacks are sequential.
 */
final class Counting {
    static final int SLICE_CHARS = 1_024;
    static final int MAX_SLICE_CHARS = 16_384;

    private final Tokenizer tokenizer;
    private final ChatRequest request;
    private final StringBuilder slice = new StringBuilder();
    /** No boundary lies below this index of {@link #slice}: each character is looked at once, not at every add. */
    private int checkedUpTo;
    private long countedCompletion;

    Counting(Tokenizer tokenizer, ChatRequest request) {
        this.tokenizer = tokenizer;
        this.request = request;
    }

    void add(String generated) {
        slice.append(generated);
        if (slice.length() < SLICE_CHARS) {
            return;
        }
        int boundary = lastBoundary();
        if (boundary > 0) {
            countedCompletion += tokenizer.count(request.model(), slice.substring(0, boundary));
            slice.delete(0, boundary);
        } else if (slice.length() >= MAX_SLICE_CHARS) {
            countedCompletion += tokenizer.count(request.model(), slice.toString());
            slice.setLength(0);
        }
        // The last boundary was taken, so none lies in what is left.
        checkedUpTo = slice.length();
    }

    /** Characters of generated text held, not yet counted. */
    int heldChars() {
        return slice.length();
    }

    /** The prompt's tokens and the completion's so far, counted here. */
    TokenUsage usage() {
        long completion = countedCompletion + (slice.isEmpty() ? 0 : tokenizer.count(request.model(), slice.toString()));
        return new TokenUsage(tokenizer.countPrompt(request), completion);
    }

    private int lastBoundary() {
        for (int i = slice.length() - 1; i > Math.max(0, checkedUpTo - 1); i--) {
            char at = slice.charAt(i);
            char before = slice.charAt(i - 1);
            if (at == ' ' && (Character.isLetterOrDigit(before) || (before > ' ' && before < 127))) {
                return i;
            }
            if (Character.isLetter(at) && before >= '0' && before <= '9') {
                return i;
            }
        }
        return 0;
    }
}
