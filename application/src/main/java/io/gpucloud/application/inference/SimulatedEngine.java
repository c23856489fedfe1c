package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Mimics a GPU: deterministic text for a request (same input, same output), token counts from the
 * tokenizer, a configurable time to first token and tokens per second. Honours {@code max_tokens}
 * ({@code finish_reason: length}), {@code n} and {@code stop} ({@code finish_reason: stop}).
 */
public final class SimulatedEngine implements InferenceEngine {
    private static final String[] WORDS = {
            "the", "model", "answers", "your", "request", "with", "a", "simulated", "reply", "that", "is",
            "stable", "for", "the", "same", "input", "and", "it", "counts", "tokens", "like", "a", "real",
            "one", "so", "limits", "and", "usage", "can", "be", "tested", "end", "to", "end", "on", "any",
            "machine", "without", "a", "GPU", "here", "are", "some", "more", "words", "about", "clouds",
            "rivers", "light", "time", "numbers", "data", "code", "fast", "small", "good", "new", "old"};
    /** The words as they appear after the first: with their space (built once, not per word of every answer). */
    private static final String[] SPACED = new String[WORDS.length];
    /** The words as they open an answer. */
    private static final String[] CAPITALISED = new String[WORDS.length];

    static {
        for (int i = 0; i < WORDS.length; i++) {
            SPACED[i] = " " + WORDS[i];
            CAPITALISED[i] = capitalise(WORDS[i]);
        }
    }

    private final Tokenizer tokenizer;
    private final Duration timeToFirstToken;
    private final double tokensPerSecond;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    /**
     * @param tokensPerSecond 0 for as fast as possible
     */
    public SimulatedEngine(Tokenizer tokenizer, Duration timeToFirstToken, double tokensPerSecond, Clock clock) {
        this.tokenizer = tokenizer;
        this.timeToFirstToken = timeToFirstToken;
        this.tokensPerSecond = tokensPerSecond;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("simulated-engine").daemon(true).factory());
    }

    /** One choice's answer; {@code tokens} is its token count when generating it counted exactly that text, else -1. */
    private record Generated(List<String> pieces, String text, String finishReason, int tokens) {
        Generated(List<String> pieces, String finishReason) {
            this(pieces, String.join("", pieces), finishReason, -1);
        }
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        List<Generated> answers = generateAll(request);
        List<Choice> choices = new ArrayList<>();
        long completionTokens = 0;
        long longest = 0;
        for (int i = 0; i < answers.size(); i++) {
            Generated answer = answers.get(i);
            choices.add(Choice.of(i, answer.text(), answer.finishReason()));
            int tokens = answer.tokens() >= 0 ? answer.tokens() : tokenizer.count(request.model(), answer.text());
            completionTokens += tokens;
            longest = Math.max(longest, tokens);
        }
        ChatCompletion completion = new ChatCompletion(StreamChatService.newCompletionId(), clock.instant().getEpochSecond(),
                request.model(), choices, new TokenUsage(tokenizer.countPrompt(request), completionTokens));
        long delayNanos = timeToFirstToken.toNanos() + nanosFor(longest);
        if (delayNanos <= 0) {
            return CompletableFuture.completedFuture(completion);
        }
        CompletableFuture<ChatCompletion> done = new CompletableFuture<>();
        timer.schedule(() -> done.complete(completion), delayNanos, TimeUnit.NANOSECONDS);
        return done;
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        List<Generated> answers = generateAll(request);
        long promptTokens = tokenizer.countPrompt(request);
        List<ChatChunk> chunks = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            chunks.add(ChatChunk.of(ChunkChoice.start(i)));
            for (String piece : answers.get(i).pieces()) {
                chunks.add(ChatChunk.of(ChunkChoice.content(i, piece)));
            }
            chunks.add(ChatChunk.of(ChunkChoice.finish(i, answers.get(i).finishReason())));
        }
        Emission emission = new Emission(request, chunks, promptTokens, sink);
        if (timeToFirstToken.isZero() && tokensPerSecond <= 0) {
            timer.execute(emission::emitAll);
        } else {
            timer.schedule(emission::emitNext, timeToFirstToken.toNanos(), TimeUnit.NANOSECONDS);
        }
        return emission::cancel;
    }

    @Override
    public CompletionStage<Void> probe() {
        return CompletableFuture.completedFuture(null);
    }

    public void shutdown() {
        timer.shutdownNow();
    }

    private long nanosFor(long tokens) {
        return tokensPerSecond <= 0 ? 0 : (long) (tokens * 1_000_000_000L / tokensPerSecond);
    }

    /** Sends chunks in order, one per tick when paced; stops on cancel and bills what was sent. */
    private final class Emission {
        private final ChatRequest request;
        private final List<ChatChunk> chunks;
        private final long promptTokens;
        private final ChunkSink sink;
        private final StringBuilder sent = new StringBuilder();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private int next;

        Emission(ChatRequest request, List<ChatChunk> chunks, long promptTokens, ChunkSink sink) {
            this.request = request;
            this.chunks = chunks;
            this.promptTokens = promptTokens;
            this.sink = sink;
        }

        void emitAll() {
            while (next < chunks.size() && !cancelled.get()) {
                send(chunks.get(next++));
            }
            finish();
        }

        void emitNext() {
            if (cancelled.get()) {
                finish();
                return;
            }
            if (next < chunks.size()) {
                ChatChunk chunk = chunks.get(next++);
                send(chunk);
                boolean hasText = chunk.choices().getFirst().content().map(text -> !text.isEmpty()).orElse(false);
                long pause = hasText ? nanosFor(1) : 0;
                timer.schedule(this::emitNext, pause, TimeUnit.NANOSECONDS);
                return;
            }
            finish();
        }

        private void send(ChatChunk chunk) {
            chunk.choices().getFirst().content().ifPresent(sent::append);
            sink.chunk(chunk);
        }

        private void finish() {
            TokenUsage usage = new TokenUsage(promptTokens, tokenizer.count(request.model(), sent.toString()));
            if (cancelled.get() && next < chunks.size()) {
                sink.fail(EngineException.unavailable("cancelled by the client"), usage);
            } else {
                sink.complete(usage);
            }
        }

        /** Emissions notice the flag before their next chunk and end the sink with what was sent. */
        void cancel() {
            cancelled.set(true);
        }
    }

    private List<Generated> generateAll(ChatRequest request) {
        List<Generated> answers = new ArrayList<>(request.n());
        for (int choice = 0; choice < request.n(); choice++) {
            answers.add(generate(request, choice));
        }
        return answers;
    }

    /**
     * The deterministic answer: {@code 12..48} words drawn from the request's fingerprint, cut before the first stop
     * sequence ({@code finish_reason: stop}) or before the first word that would take the text over {@code max_tokens}
     * ({@code finish_reason: length}), whichever comes first.
     *
     * <p>Costs a handful of tokenizer calls, not one per word: a stop sequence is looked for only where it can newly
     * appear (the text before the new word held none), and the word that crosses {@code max_tokens} is found by
     * bisection over the prefixes, which relies on a text's token count never falling when words are appended (true of
     * BPE tokenizers on these space-led words, and of every {@link Tokenizer} here).
     */
    private Generated generate(ChatRequest request, int choice) {
        long seed = fingerprint(request, choice);
        int wordCount = 12 + (int) Math.floorMod(seed, 37L);
        List<String> stops = request.stop();
        int longestStop = 0;
        for (String stop : stops) {
            longestStop = Math.max(longestStop, stop.length());
        }
        List<String> pieces = new ArrayList<>(wordCount);
        int[] ends = new int[wordCount + 1];
        StringBuilder text = new StringBuilder(8 * wordCount);
        String kept = null;
        long state = seed;
        for (int i = 0; i < wordCount; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            int word = (int) Math.floorMod(state >>> 33, (long) WORDS.length);
            String piece = i == 0 ? CAPITALISED[word] : SPACED[word];
            if (i == wordCount - 1) {
                piece += ".";
            }
            int before = text.length();
            text.append(piece);
            int stopAt = longestStop == 0 ? -1 : firstStop(text, stops, Math.max(0, before - longestStop + 1));
            if (stopAt >= 0) {
                kept = text.substring(before, Math.max(before, stopAt));
                text.setLength(before);
                break;
            }
            pieces.add(piece);
            ends[pieces.size()] = text.length();
        }
        int limit = request.maxTokens().orElse(Integer.MAX_VALUE);
        if (limit != Integer.MAX_VALUE && !pieces.isEmpty()) {
            int all = tokenizer.count(request.model(), text.toString());
            if (all > limit) {
                // The first prefix (in words) over the limit: the answer is the words before it.
                int low = 1;
                int high = pieces.size();
                while (low < high) {
                    int middle = (low + high) >>> 1;
                    if (tokenizer.count(request.model(), text.substring(0, ends[middle])) > limit) {
                        high = middle;
                    } else {
                        low = middle + 1;
                    }
                }
                return new Generated(List.copyOf(pieces.subList(0, low - 1)), "length");
            }
            if (kept == null) {
                return new Generated(pieces, text.toString(), "stop", all);
            }
        }
        if (kept != null && !kept.isEmpty()) {
            pieces.add(kept);
        }
        return new Generated(pieces, "stop");
    }

    /** The first index, at or after {@code from}, where any of {@code stops} begins in {@code text}; -1 for none. */
    private static int firstStop(StringBuilder text, List<String> stops, int from) {
        int first = -1;
        for (String stop : stops) {
            int at = stop.isEmpty() ? -1 : text.indexOf(stop, from);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    private static String capitalise(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    private static long fingerprint(ChatRequest request, int choice) {
        long hash = 0xcbf29ce484222325L;
        hash = mix(hash, request.model());
        for (ChatMessage message : request.messages()) {
            hash = mix(hash, message.role());
            hash = mix(hash, message.text());
        }
        hash = mix(hash, Long.toString(request.seed().orElse(0)));
        return mix(hash, Integer.toString(choice));
    }

    /** FNV-1a over the UTF-8 bytes of {@code value} (ASCII without encoding it first). */
    private static long mix(long hash, String value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                return mixBytes(hash, value);
            }
        }
        for (int i = 0; i < length; i++) {
            hash ^= (byte) value.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash ^ 0x9E3779B97F4A7C15L;
    }

    private static long mixBytes(long hash, String value) {
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b;
            hash *= 0x100000001b3L;
        }
        return hash ^ 0x9E3779B97F4A7C15L;
    }
}
