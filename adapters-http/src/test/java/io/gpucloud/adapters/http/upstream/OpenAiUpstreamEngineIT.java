package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code openai} engine against real sockets: fake upstreams on random ports. A fresh engine
 * takes its first call to its first endpoint (all idle, the turn starts there), which the tests use
 * to choose which endpoint fails first.
 */
class OpenAiUpstreamEngineIT {
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Short probe back-off; timeouts generous enough for a loaded CI machine. */
    static final UpstreamSettings FAST = UpstreamSettings.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5))
            .withProbing(Duration.ofSeconds(2), 3, Duration.ofMillis(50), Duration.ofMillis(200));
    /** For the tests of silent upstreams: they wait this long. */
    static final UpstreamSettings HASTY = FAST.withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(1));
    static final Tokenizer TOKENIZER = new ApproximateTokenizer();
    static UpstreamClient client;
    static UpstreamClient hastyClient;

    private final List<FakeUpstream> upstreams = new ArrayList<>();
    private final List<OpenAiUpstreamEngine> engines = new ArrayList<>();

    @BeforeAll
    static void startClient() {
        client = UpstreamClient.start(FAST);
        hastyClient = UpstreamClient.start(HASTY);
    }

    @AfterAll
    static void stopClient() {
        client.close();
        hastyClient.close();
    }

    @AfterEach
    void stopUpstreams() {
        engines.forEach(OpenAiUpstreamEngine::close);
        upstreams.forEach(FakeUpstream::close);
    }

    FakeUpstream upstream(FakeUpstream.Behaviour behaviour) {
        FakeUpstream upstream = FakeUpstream.start().behave(behaviour);
        upstreams.add(upstream);
        return upstream;
    }

    OpenAiUpstreamEngine engine(Optional<String> key, FakeUpstream... endpoints) {
        List<URI> bases = new ArrayList<>();
        for (FakeUpstream upstream : endpoints) {
            bases.add(upstream.base());
        }
        return engine(key, bases);
    }

    OpenAiUpstreamEngine engine(FakeUpstream... endpoints) {
        return engine(Optional.empty(), endpoints);
    }

    OpenAiUpstreamEngine engine(Optional<String> key, List<URI> bases) {
        return engine(client, key, bases);
    }

    OpenAiUpstreamEngine engine(UpstreamClient over, Optional<String> key, List<URI> bases) {
        OpenAiUpstreamEngine engine = new OpenAiUpstreamEngine(over, bases, key, TOKENIZER, Clock.systemUTC());
        engines.add(engine);
        return engine;
    }

    /** An engine whose read timeout is 500 ms and request timeout 1 s. */
    OpenAiUpstreamEngine hastyEngine(FakeUpstream... endpoints) {
        return engine(hastyClient, Optional.empty(), Arrays.stream(endpoints).map(FakeUpstream::base).toList());
    }

    static ChatRequest request(String model, boolean stream) {
        return new ChatRequest(model, List.of(ChatMessage.of("user", "Say hello")), stream, false, OptionalInt.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), 1, List.of(), OptionalLong.empty(), Optional.empty(), Map.of());
    }

    /** A non-streamed call as the gateway makes it; here from the test's thread (through Jetty's client). */
    CompletionStage<ChatCompletion> call(OpenAiUpstreamEngine engine, ChatRequest request) {
        return engine.complete(request);
    }

    ChatCompletion complete(OpenAiUpstreamEngine engine) {
        return call(engine, request("up-model", false)).toCompletableFuture().orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .join();
    }

    EngineException completeFails(OpenAiUpstreamEngine engine) {
        CompletionException failed = assertThrows(CompletionException.class, () -> complete(engine));
        return assertInstanceOf(EngineException.class, failed.getCause());
    }

    /** A streamed call as the gateway makes it; here from the test's thread (through Jetty's client). */
    Cancellation startStream(OpenAiUpstreamEngine engine, ChatRequest request, ChunkSink sink) {
        return engine.stream(request, sink);
    }

    CollectingSink stream(OpenAiUpstreamEngine engine) {
        CollectingSink sink = new CollectingSink();
        startStream(engine, request("up-model", true), sink);
        return sink.awaitEnd(DEADLINE);
    }

    static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    static long promptTokens(ChatRequest request) {
        return TOKENIZER.countPrompt(request);
    }

    // --- what goes upstream ---------------------------------------------------------------------

    @Test
    void request_goesUpstreamAsTheClientMadeIt_withTheEngineModel_unknownFieldsUntouched_andTheKey() throws Exception {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "lookup",
                "parameters", Map.of("type", "object", "properties", Map.of())))));
        extra.put("tool_choice", "auto");
        extra.put("response_format", Map.of("type", "json_object"));
        extra.put("logprobs", true);
        extra.put("top_logprobs", 2);
        extra.put("frequency_penalty", 0.5);
        extra.put("metadata", null);
        List<ChatMessage> messages = List.of(
                new ChatMessage("system", Optional.of("Be brief."), Map.of()),
                new ChatMessage("user", Optional.of("Look it up"), Map.of("name", "ada")),
                new ChatMessage("assistant", Optional.empty(), Map.of("tool_calls", List.of(Map.of("id", "call_1",
                        "type", "function", "function", Map.of("name", "lookup", "arguments", "{}"))))),
                new ChatMessage("tool", Optional.of("42"), Map.of("tool_call_id", "call_1")));
        ChatRequest request = new ChatRequest("meta-llama/Llama-3.1-8B-Instruct", messages, false, false, OptionalInt.of(64),
                OptionalDouble.of(0.2), OptionalDouble.of(0.9), 2, List.of("END"), OptionalLong.of(7), Optional.of("user-1"),
                extra);

        call(engine(Optional.of("up-secret"), upstream), request).toCompletableFuture().get(10, TimeUnit.SECONDS);

        JsonNode expected = FakeUpstream.JSON.readTree("""
                {"model":"meta-llama/Llama-3.1-8B-Instruct",
                 "messages":[{"role":"system","content":"Be brief."},
                             {"role":"user","content":"Look it up","name":"ada"},
                             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                                "function":{"name":"lookup","arguments":"{}"}}]},
                             {"role":"tool","content":"42","tool_call_id":"call_1"}],
                 "max_tokens":64,"temperature":0.2,"top_p":0.9,"n":2,"stop":["END"],"seed":7,"user":"user-1",
                 "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":"auto","response_format":{"type":"json_object"},"logprobs":true,"top_logprobs":2,
                 "frequency_penalty":0.5,"metadata":null}""");
        assertEquals(expected, upstream.lastBody());
        FakeUpstream.Received received = upstream.received.getLast();
        assertEquals("POST", received.method());
        assertEquals("/v1/chat/completions", received.path());
        assertEquals("Bearer up-secret", received.authorization());
    }

    @Test
    void withoutAKey_noAuthorizationIsSent() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);

        complete(engine(upstream));

        assertEquals(null, upstream.received.getLast().authorization());
    }

    @Test
    void streams_askTheUpstreamForUsage_evenWhenTheClientDidNot() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);

        stream(engine(upstream));

        assertTrue(upstream.lastBody().path("stream").asBoolean());
        assertTrue(upstream.lastBody().path("stream_options").path("include_usage").asBoolean());
    }

    // --- answers ----------------------------------------------------------------------------------

    @Test
    void completion_isTheUpstreamsAnswer_withItsUsage_andItsExtraMessageFields() {
        ChatCompletion completion = complete(engine(upstream(FakeUpstream.Behaviour.NORMAL)));

        assertEquals("chatcmpl-upstream", completion.id());
        Choice choice = completion.choices().getFirst();
        assertEquals(Optional.of(FakeUpstream.TEXT), choice.content());
        assertEquals("stop", choice.finishReason());
        assertEquals(List.of(Map.of("id", "call_1", "type", "function", "function", Map.of("name", "lookup", "arguments", "{}"))),
                choice.message().get("tool_calls"));
        assertEquals(new TokenUsage(11, 5), completion.usage());
    }

    @Test
    void completionWithoutUsage_orWithANegativeOne_isCountedWithTheTokenizer() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(upstream);
        long prompt = promptTokens(request("up-model", false));
        long completion = TOKENIZER.count("up-model", FakeUpstream.TEXT + "lookup" + "{}"); // text and tool call, counted together

        upstream.usage = FakeUpstream.Usage.ABSENT;
        assertEquals(new TokenUsage(prompt, completion), complete(engine).usage());
        upstream.usage = FakeUpstream.Usage.NEGATIVE;
        assertEquals(new TokenUsage(prompt, completion), complete(engine).usage());
    }

    @Test
    void stream_relaysEveryEvent_andEndsWithTheUpstreamsUsage() {
        CollectingSink sink = stream(engine(upstream(FakeUpstream.Behaviour.NORMAL)));

        assertEquals(null, sink.error.get());
        assertEquals(FakeUpstream.TEXT, sink.text());
        assertEquals(Optional.of("assistant"), sink.chunks.getFirst().choices().getFirst().role());
        assertEquals(Optional.of("stop"), sink.finishReason());
        assertEquals(FakeUpstream.WORDS.size() + 2, sink.chunks.size(), "role, words, finish; the usage chunk is not a chunk");
        assertEquals(new TokenUsage(11, 5), sink.usage.get());
    }

    @Test
    void streamWithoutUsage_isCountedWithTheTokenizer() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
        upstream.usage = FakeUpstream.Usage.ABSENT;

        CollectingSink sink = stream(engine(upstream));

        assertEquals(new TokenUsage(promptTokens(request("up-model", true)), TOKENIZER.count("up-model", FakeUpstream.TEXT)),
                sink.usage.get());
    }

    @Test
    void streamWithNegativeUsage_isCountedWithTheTokenizer_neverBilledNegative() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
        upstream.usage = FakeUpstream.Usage.NEGATIVE;

        CollectingSink sink = stream(engine(upstream));

        assertEquals(FakeUpstream.TEXT, sink.text());
        assertEquals(new TokenUsage(promptTokens(request("up-model", true)), TOKENIZER.count("up-model", FakeUpstream.TEXT)),
                sink.usage.get());
    }

    @Test
    void stream_reachesTheSinkChunkByChunk_asTheUpstreamProducesIt() {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.SLOW);
        upstream.chunkDelay = Duration.ofMillis(150);
        long started = System.nanoTime();

        CollectingSink sink = stream(engine(upstream));

        long first = sink.arrivalNanos.getFirst() - started;
        long total = sink.endedNanos - started;
        assertTrue(total > TimeUnit.MILLISECONDS.toNanos(900), "the upstream takes ~1 s: " + total / 1_000_000 + " ms");
        assertTrue(first < total - TimeUnit.MILLISECONDS.toNanos(700),
                "first chunk at " + first / 1_000_000 + " ms, end at " + total / 1_000_000 + " ms");
        for (int i = 2; i < sink.arrivalNanos.size(); i++) {
            assertTrue(sink.arrivalNanos.get(i) - sink.arrivalNanos.get(i - 1) > TimeUnit.MILLISECONDS.toNanos(50),
                    "chunk " + i + " was held back and arrived with the previous one");
        }
    }

    // --- failures -------------------------------------------------------------------------------

    @Test
    void upstream503_isRetriedOnAnotherEndpoint_forCompletionsAndStreams() {
        FakeUpstream failing = upstream(FakeUpstream.Behaviour.STATUS);
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(failing, healthy);

        assertEquals(Optional.of(FakeUpstream.TEXT), complete(engine).choices().getFirst().content());
        assertEquals(1, failing.chatCalls.get(), "the first call went to the failing endpoint first");
        CollectingSink sink = new CollectingSink();
        startStream(engine, request("up-model", true), sink);
        sink.awaitEnd(DEADLINE);
        assertEquals(null, sink.error.get());
        assertEquals(FakeUpstream.TEXT, sink.text());
    }

    @Test
    void refusedConnection_isRetriedOnAnotherEndpoint() {
        FakeUpstream gone = upstream(FakeUpstream.Behaviour.NORMAL);
        URI goneBase = gone.base();
        gone.close();
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(Optional.empty(), List.of(goneBase, healthy.base()));

        assertEquals(Optional.of(FakeUpstream.TEXT), complete(engine).choices().getFirst().content());
        assertEquals(FakeUpstream.TEXT, stream(engine).text());
    }

    @Test
    void unknownHost_isRetriedOnAnotherEndpoint() {
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(Optional.empty(),
                List.of(URI.create("http://gpucloud-no-such-host.invalid:8000/v1"), healthy.base()));

        assertEquals(Optional.of(FakeUpstream.TEXT), complete(engine).choices().getFirst().content());
        assertEquals(1, healthy.chatCalls.get());
    }

    @Test
    void everyEndpointFailing_isUnavailable_withTheUpstreamsRetryAfter() {
        FakeUpstream failing = upstream(FakeUpstream.Behaviour.STATUS);

        EngineException error = completeFails(engine(failing));

        assertEquals(EngineException.Kind.UNAVAILABLE, error.kind());
        CollectingSink sink = stream(engine(failing));
        assertEquals(EngineException.Kind.UNAVAILABLE, sink.error.get().kind());
        assertTrue(sink.chunks.isEmpty());
    }

    @Test
    void upstream4xx_isRejectedWithItsStatusAndMessage_andNotRetried() {
        FakeUpstream first = upstream(FakeUpstream.Behaviour.STATUS);
        FakeUpstream second = upstream(FakeUpstream.Behaviour.STATUS);
        for (FakeUpstream upstream : List.of(first, second)) {
            upstream.status = 400;
            upstream.errorBody = "{\"object\":\"error\",\"message\":\"This model's maximum context length is 8192 tokens.\","
                    + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}";
        }
        OpenAiUpstreamEngine engine = engine(first, second);

        EngineException error = completeFails(engine);
        assertEquals(EngineException.Kind.REJECTED, error.kind());
        assertEquals(400, error.upstreamStatus());
        assertEquals("This model's maximum context length is 8192 tokens.", error.getMessage());
        assertEquals(1, first.chatCalls.get() + second.chatCalls.get());

        CollectingSink sink = stream(engine);
        assertEquals(EngineException.Kind.REJECTED, sink.error.get().kind());
        assertEquals("This model's maximum context length is 8192 tokens.", sink.error.get().getMessage());
        assertEquals(2, first.chatCalls.get() + second.chatCalls.get());
    }

    @Test
    void hangingUpstream_timesOut() {
        FakeUpstream hanging = upstream(FakeUpstream.Behaviour.HANG);
        OpenAiUpstreamEngine engine = hastyEngine(hanging);

        assertEquals(EngineException.Kind.TIMEOUT, completeFails(engine).kind());
        assertEquals(EngineException.Kind.TIMEOUT, stream(engine).error.get().kind());
    }

    @Test
    void streamToAnEndpointSilentBeforeItsHeaders_isRetriedOnAnother() {
        FakeUpstream hanging = upstream(FakeUpstream.Behaviour.HANG);
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);

        CollectingSink sink = stream(hastyEngine(hanging, healthy));

        assertEquals(null, sink.error.get());
        assertEquals(FakeUpstream.TEXT, sink.text());
        assertEquals(1, hanging.chatCalls.get());
    }

    @Test
    void connectionDroppedMidStream_failsAfterWhatWasRelayed_andIsNeverRetried() {
        FakeUpstream dropping = upstream(FakeUpstream.Behaviour.DROP_MID_STREAM);
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);

        CollectingSink sink = stream(engine(dropping, healthy));

        assertEquals("Hello from", sink.text());
        assertEquals(EngineException.Kind.UNAVAILABLE, sink.error.get().kind());
        assertEquals(new TokenUsage(promptTokens(request("up-model", true)), TOKENIZER.count("up-model", "Hello from")),
                sink.usage.get(), "billed for what was relayed");
        assertEquals(0, healthy.chatCalls.get());
    }

    @Test
    void streamStallingAfterSomeEvents_timesOutAfterTheReadTimeout_billedForWhatWasRelayed_andIsNeverRetried() {
        FakeUpstream stalling = upstream(FakeUpstream.Behaviour.STALL_MID_STREAM);
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        long started = System.nanoTime();

        CollectingSink sink = stream(hastyEngine(stalling, healthy));

        assertEquals("Hello from", sink.text());
        assertEquals(3, sink.chunks.size(), "the role chunk and two words");
        assertEquals(EngineException.Kind.TIMEOUT, sink.error.get().kind());
        long readTimeout = HASTY.readTimeout().toNanos();
        long silence = sink.endedNanos - sink.arrivalNanos.getLast();
        assertTrue(sink.endedNanos - started >= readTimeout, "never before the read timeout");
        assertTrue(silence >= readTimeout - TimeUnit.MILLISECONDS.toNanos(100) && silence < readTimeout + TimeUnit.SECONDS.toNanos(2),
                "ended " + silence / 1_000_000 + " ms after the last chunk; the read timeout is " + HASTY.readTimeout());
        assertEquals(new TokenUsage(promptTokens(request("up-model", true)), TOKENIZER.count("up-model", "Hello from")),
                sink.usage.get(), "billed for what was relayed");
        assertEquals(0, healthy.chatCalls.get());
    }

    @Test
    void garbage_isABadResponse() {
        OpenAiUpstreamEngine engine = engine(upstream(FakeUpstream.Behaviour.GARBAGE));

        assertEquals(EngineException.Kind.BAD_RESPONSE, completeFails(engine).kind());
        assertEquals(EngineException.Kind.BAD_RESPONSE, stream(engine).error.get().kind());
    }

    @Test
    void completionBodyOverTheLimit_isABadResponse() {
        try (UpstreamClient small = UpstreamClient.start(FAST.withLimits(1024, 1024))) {
            OpenAiUpstreamEngine engine = engine(small, Optional.empty(), List.of(upstream(FakeUpstream.Behaviour.ECHO).base()));
            ChatRequest echoedBack = ChatRequest.of("up-model", List.of(ChatMessage.of("user", "x".repeat(2_000))));

            CompletionException failed = assertThrows(CompletionException.class,
                    () -> call(engine, echoedBack).toCompletableFuture().join());

            EngineException error = assertInstanceOf(EngineException.class, failed.getCause());
            assertEquals(EngineException.Kind.BAD_RESPONSE, error.kind());
            assertTrue(error.getMessage().contains("exceeds 1024 bytes"), error.getMessage());
        }
    }

    @Test
    void sseLineOverTheLimit_isABadResponse_afterWhatCameBefore() {
        CollectingSink sink = stream(engine(upstream(FakeUpstream.Behaviour.HUGE_LINE)));

        assertEquals(EngineException.Kind.BAD_RESPONSE, sink.error.get().kind());
        assertTrue(sink.error.get().getMessage().contains("exceeds 1048576 bytes"), sink.error.get().getMessage());
        assertEquals(1, sink.chunks.size());
    }

    @Test
    void cancellation_abortsTheUpstreamRequest_andEndsTheStreamWithWhatWasRelayed() {
        FakeUpstream slow = upstream(FakeUpstream.Behaviour.SLOW);
        slow.chunkDelay = Duration.ofMillis(200);
        CollectingSink sink = new CollectingSink();

        Cancellation cancellation = startStream(engine(slow), request("up-model", true), sink);
        sink.awaitFirstChunk(DEADLINE);
        cancellation.cancel();
        sink.awaitEnd(DEADLINE);

        assertEquals(EngineException.Kind.UNAVAILABLE, sink.error.get().kind());
        assertTrue(sink.chunks.size() < FakeUpstream.WORDS.size(), "stopped early: " + sink.chunks.size() + " chunks");
        until(() -> slow.brokenStreams.get() == 1, "the upstream saw its client go away");
    }

    // --- balancing, ejection, probes ------------------------------------------------------------

    @Test
    void calls_goToTheEndpointWithTheFewestInFlight() {
        FakeUpstream busy = upstream(FakeUpstream.Behaviour.HANG);
        FakeUpstream idle = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(busy, idle);
        CollectingSink held = new CollectingSink();
        startStream(engine, request("up-model", true), held);
        until(() -> busy.chatCalls.get() == 1, "the first stream is held by the busy endpoint");

        for (int i = 0; i < 5; i++) {
            complete(engine);
        }

        assertEquals(5, idle.chatCalls.get());
        assertEquals(1, busy.chatCalls.get());
    }

    @Test
    void endpointFailingRepeatedly_leavesTheRotation_andIsProbedBackIn() {
        FakeUpstream flaky = upstream(FakeUpstream.Behaviour.STATUS);
        flaky.modelsBehaviour = FakeUpstream.Behaviour.STATUS;
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        OpenAiUpstreamEngine engine = engine(flaky, healthy);
        Endpoint flakyEndpoint = engine.endpoints().getFirst();

        for (int i = 0; i < 20 && !flakyEndpoint.isEjected(); i++) {
            complete(engine);
        }
        assertTrue(flakyEndpoint.isEjected());
        int callsWhenEjected = flaky.chatCalls.get();
        assertEquals(3, callsWhenEjected);
        for (int i = 0; i < 10; i++) {
            complete(engine);
        }
        assertEquals(callsWhenEjected, flaky.chatCalls.get(), "no call goes to an ejected endpoint");
        until(() -> flaky.modelCalls.get() >= 2, "the ejected endpoint is probed, again after a failed probe");

        flaky.behave(FakeUpstream.Behaviour.NORMAL);
        flaky.modelsBehaviour = FakeUpstream.Behaviour.NORMAL;
        until(() -> !flakyEndpoint.isEjected(), "a successful probe brings the endpoint back");
        for (int i = 0; i < 4; i++) {
            complete(engine);
        }
        assertTrue(flaky.chatCalls.get() > callsWhenEjected, "calls reach it again");
    }

    @Test
    void probe_succeedsWhenAnyEndpointAnswers_andNamesEveryProblemWhenNone() throws Exception {
        FakeUpstream healthy = upstream(FakeUpstream.Behaviour.NORMAL);
        FakeUpstream failing = upstream(FakeUpstream.Behaviour.NORMAL);
        failing.modelsBehaviour = FakeUpstream.Behaviour.STATUS;
        failing.status = 503;
        FakeUpstream gone = upstream(FakeUpstream.Behaviour.NORMAL);
        URI goneBase = gone.base();
        gone.close();

        engine(Optional.of("k"), List.of(goneBase, healthy.base())).probe().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("Bearer k", healthy.received.getLast().authorization());
        assertEquals("/v1/models", healthy.received.getLast().path());

        CompletableFuture<Void> none = engine(Optional.empty(), List.of(goneBase, failing.base())).probe().toCompletableFuture();
        CompletionException failed = assertThrows(CompletionException.class, none::join);
        String reason = failed.getCause().getMessage();
        assertTrue(reason.contains(goneBase + ": connection refused"), reason);
        assertTrue(reason.contains(failing.base() + ": HTTP 503 overloaded"), reason);
    }

    @Test
    void modelIds_areTheUpstreamsModelList() throws Exception {
        FakeUpstream upstream = upstream(FakeUpstream.Behaviour.NORMAL);
        upstream.models = List.of("qwen2.5-7b-instruct", "llama-3.1-8b");

        assertEquals(upstream.models, engine(upstream).modelIds().toCompletableFuture().get(10, TimeUnit.SECONDS));
    }

    @Test
    void closedEngine_refusesNewCalls() {
        OpenAiUpstreamEngine engine = engine(upstream(FakeUpstream.Behaviour.NORMAL));
        engine.close();

        assertEquals(EngineException.Kind.UNAVAILABLE, completeFails(engine).kind());
        assertFalse(stream(engine).error.get() == null);
    }
}
