package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.gpucloud.adapters.http.RawHttp;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients through the real HTTP API to fake upstreams, each behind a deployment: public model
 * names, pass-through of what the gateway does not know, streaming as it happens, the upstream's
 * errors as OpenAI errors, the official OpenAI Java client.
 */
class UpstreamGatewayIT {
    private static final FakeUpstream normal = FakeUpstream.start();
    private static final FakeUpstream slow = FakeUpstream.start().behave(FakeUpstream.Behaviour.SLOW);
    private static final FakeUpstream echo = FakeUpstream.start().behave(FakeUpstream.Behaviour.ECHO);
    private static final FakeUpstream refusing = FakeUpstream.start().behave(FakeUpstream.Behaviour.STATUS);
    private static final FakeUpstream dropping = FakeUpstream.start().behave(FakeUpstream.Behaviour.DROP_MID_STREAM);
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static Gateway gateway;
    private static String key;

    @BeforeAll
    static void start() {
        slow.chunkDelay = Duration.ofMillis(150);
        refusing.status = 400;
        refusing.errorBody = "{\"error\":{\"message\":\"'logit_bias' is not supported by this model\",\"type\":\"BadRequestError\","
                + "\"param\":\"logit_bias\",\"code\":400}}";
        gateway = new Gateway(OpenAiUpstreamEngineIT.FAST.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(5)), Duration.ofSeconds(10));
        gateway.deploy("normal", "llama-3-8b", Optional.of("meta-llama/Meta-Llama-3-8B-Instruct"), normal.base());
        gateway.deploy("slow", "slow-llama", Optional.empty(), slow.base());
        gateway.deploy("echo", "echo-model", Optional.of("upstream/echo-7b"), echo.base());
        gateway.deploy("refusing", "picky-model", Optional.empty(), refusing.base());
        gateway.deploy("dropping", "dropping-model", Optional.empty(), dropping.base());
        key = gateway.newKey();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        for (FakeUpstream upstream : List.of(normal, slow, echo, refusing, dropping)) {
            upstream.close();
        }
    }

    private static HttpRequest.Builder post(String json) {
        return post(gateway, key, json);
    }

    private static HttpRequest.Builder post(Gateway through, String apiKey, String json) {
        return HttpRequest.newBuilder(through.base().resolve("/v1/chat/completions")).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static HttpResponse<String> send(String json) throws Exception {
        return http.send(post(json).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String text) throws IOException {
        return FakeUpstream.JSON.readTree(text);
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    @Test
    void models_listTheRunningDeployments() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.base().resolve("/v1/models"))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());

        List<String> ids = new ArrayList<>();
        json(response.body()).path("data").forEach(model -> ids.add(model.path("id").asText()));
        assertEquals(List.of("llama-3-8b", "slow-llama", "echo-model", "picky-model", "dropping-model"), ids);
    }

    @Test
    void completion_isTheUpstreamsAnswer_underThePublicName_meteredWithTheUpstreamsUsage() throws Exception {
        HttpResponse<String> response = send(chat("llama-3-8b", false));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = json(response.body());
        assertEquals("llama-3-8b", body.path("model").asText());
        assertEquals(FakeUpstream.TEXT, body.path("choices").path(0).path("message").path("content").asText());
        assertEquals("lookup", body.path("choices").path(0).path("message").path("tool_calls").path(0).path("function")
                .path("name").asText(), "extra message fields come through");
        assertEquals(11, body.path("usage").path("prompt_tokens").asInt());
        assertEquals("meta-llama/Meta-Llama-3-8B-Instruct", normal.lastBody().path("model").asText());
        UsageRecord metered = gateway.usage.stream().filter(record -> record.model().equals("llama-3-8b"))
                .reduce((first, second) -> second).orElseThrow();
        assertEquals(11, metered.promptTokens());
        assertEquals(5, metered.completionTokens());
        assertEquals(UsageStatus.COMPLETED, metered.status());
    }

    @Test
    void completion_afterAQuotaAnswerFromAnotherThread_goesUpstreamFromTheRequestsIoThread() throws Exception {
        int calls = normal.chatCalls.get();
        try (Gateway redisLike = new Gateway(OpenAiUpstreamEngineIT.FAST, Duration.ofSeconds(10))) {
            redisLike.quotaFromAnotherThread = true;
            redisLike.deploy("normal", "llama-3-8b", Optional.empty(), normal.base());
            String apiKey = redisLike.newKey();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = http.send(post(redisLike, apiKey,
                        "{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
            }
            assertEquals(calls + 3, normal.chatCalls.get());
            assertEquals(1, redisLike.client.ioThreadCalls().orElseThrow().connectionsOpened(),
                    "the three calls went out on an IO thread's kept connection, not through Jetty");
        }
    }

    @Test
    void fieldsTheGatewayDoesNotKnow_reachTheUpstreamUntouched_withTheModelMapped() throws Exception {
        String request = """
                {"model":"echo-model","messages":[{"role":"user","content":"What is the weather?","name":"ada"}],
                 "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object",
                   "properties":{"city":{"type":"string"}},"required":["city"]}}}],
                 "tool_choice":{"type":"function","function":{"name":"weather"}},
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},
                 "logprobs":true,"top_logprobs":3,"parallel_tool_calls":false,"repetition_penalty":1.1,
                 "max_completion_tokens":50}""";

        HttpResponse<String> response = send(request);

        assertEquals(200, response.statusCode(), response.body());
        JsonNode received = json(json(response.body()).path("choices").path(0).path("message").path("content").asText());
        JsonNode sent = json(request);
        assertEquals("upstream/echo-7b", received.path("model").asText());
        for (String field : List.of("tools", "tool_choice", "response_format", "logprobs", "top_logprobs",
                "parallel_tool_calls", "repetition_penalty")) {
            assertEquals(sent.get(field), received.get(field), field);
        }
        assertEquals(sent.path("messages"), received.path("messages"));
        assertEquals(50, received.path("max_tokens").asInt());
    }

    @Test
    void stream_reachesTheClientChunkByChunk_theFirstLongBeforeTheEnd() throws Exception {
        long started = System.nanoTime();
        HttpResponse<Stream<String>> response = http.send(post(chat("slow-llama", true)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        List<Long> arrivals = new ArrayList<>();
        List<String> events = new ArrayList<>();
        for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
                arrivals.add(System.nanoTime() - started);
                events.add(line);
            }
        }

        assertEquals("data: [DONE]", events.getLast());
        long first = arrivals.getFirst();
        long last = arrivals.getLast();
        assertTrue(last > Duration.ofMillis(900).toNanos(), "the upstream streams for ~1 s: " + last / 1_000_000 + " ms");
        assertTrue(first < last - Duration.ofMillis(700).toNanos(),
                "first event at " + first / 1_000_000 + " ms, last at " + last / 1_000_000 + " ms");
        String text = events.stream().filter(line -> !line.equals("data: [DONE]")).map(line -> {
            try {
                return json(line.substring(6)).path("choices").path(0).path("delta").path("content").asText("");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.joining());
        assertEquals(FakeUpstream.TEXT, text);
    }

    @Test
    void upstreamRefusal_reachesTheClientAsAnOpenAiError_withTheUpstreamsStatusAndMessage() throws Exception {
        for (boolean stream : List.of(false, true)) {
            HttpResponse<String> response = send(chat("picky-model", stream));

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = json(response.body()).path("error");
            assertEquals("'logit_bias' is not supported by this model", error.path("message").asText());
            assertEquals("invalid_request_error", error.path("type").asText());
            assertTrue(error.has("param") && error.has("code"));
        }
    }

    @Test
    void upstreamDroppingMidStream_endsTheStreamWithAnErrorEvent_thenDone() throws Exception {
        HttpResponse<String> response = send(chat("dropping-model", true));

        assertEquals(200, response.statusCode());
        List<String> events = response.body().lines().filter(line -> line.startsWith("data: ")).toList();
        assertEquals("data: [DONE]", events.getLast());
        JsonNode error = json(events.get(events.size() - 2).substring(6)).path("error");
        assertEquals("engine_unavailable", error.path("code").asText());
        assertTrue(events.size() >= 4, "the chunks before the drop came through: " + events);
    }

    // --- an upstream that stalls mid-answer -------------------------------------------------------

    /** Silence of a stream (read timeout) and whole non-streamed call (request timeout) of the stall tests. */
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(2);
    /** How late past its timeout a stalled call may be ended. */
    private static final Duration STALL_MARGIN = Duration.ofMillis(1_500);
    /** One concurrent call per key: a reservation that is not given back refuses the next call. */
    private static final Limits ONE_AT_A_TIME = new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
            OptionalInt.of(1), Set.of(), Optional.empty());

    /** A gateway of its own whose upstream read and request timeouts are {@link #STALL_TIMEOUT}. */
    private static Gateway stallGateway(FakeUpstream stalling) {
        Gateway hasty = new Gateway(OpenAiUpstreamEngineIT.FAST.withTimeouts(Duration.ofSeconds(1), STALL_TIMEOUT, STALL_TIMEOUT),
                Duration.ofSeconds(10));
        hasty.deploy("stalling", "stalling-model", Optional.empty(), stalling.base());
        return hasty;
    }

    private static UsageRecord onlyRecord(Gateway through, String model) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<UsageRecord> records = List.of();
        while (System.nanoTime() < deadline) {
            records = through.usage.stream().filter(record -> record.model().equals(model)).toList();
            if (!records.isEmpty()) {
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        assertEquals(1, records.size(), "one usage record for the call: " + records);
        return records.getFirst();
    }

    /** The data lines of a streamed answer as they arrive, read on their own thread so that every wait has a deadline. */
    private static final class DataLines {
        record Line(String text, long arrivedNanos) {
        }

        private static final Line END = new Line("<end of the response>", 0);
        private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();

        DataLines(HttpResponse<Stream<String>> response) {
            Thread.ofVirtual().name("sse-reader").start(() -> {
                try (Stream<String> body = response.body()) {
                    body.filter(line -> line.startsWith("data: ")).forEach(line -> lines.add(new Line(line, System.nanoTime())));
                } catch (RuntimeException brokenOff) {
                    // the gateway under test closed; END says so
                } finally {
                    lines.add(END);
                }
            });
        }

        Line next(Duration within) throws InterruptedException {
            Line line = lines.poll(within.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("no data line within " + within);
            }
            return line;
        }

        void assertEnded(Duration within) throws InterruptedException {
            assertEquals(END, next(within), "the response ends after [DONE]");
        }
    }

    @Test
    void upstreamStallingMidStream_endsTheStreamWithATimeoutErrorAfterTheReadTimeout_billedForWhatWasRelayed()
            throws Exception {
        try (FakeUpstream stalling = FakeUpstream.start().behave(FakeUpstream.Behaviour.STALL_MID_STREAM);
             Gateway hasty = stallGateway(stalling)) {
            String oneAtATime = hasty.newKey(ONE_AT_A_TIME);
            long started = System.nanoTime();
            HttpResponse<Stream<String>> response = http.send(post(hasty, oneAtATime, chat("stalling-model", true)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            DataLines lines = new DataLines(response);

            StringBuilder relayed = new StringBuilder();
            DataLines.Line last = null;
            for (int i = 0; i < 1 + stalling.wordsBeforeStall; i++) {
                last = lines.next(Duration.ofSeconds(5));
                relayed.append(json(last.text().substring(6)).path("choices").path(0).path("delta").path("content").asText(""));
            }
            assertEquals("Hello from", relayed.toString(), "the role chunk and the words before the stall came through");
            assertEquals(429, http.send(post(hasty, oneAtATime, chat("stalling-model", false)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "the stalled call holds the key's only slot");

            DataLines.Line error = lines.next(STALL_TIMEOUT.plus(STALL_MARGIN).plusSeconds(1));
            assertEquals("upstream_timeout", json(error.text().substring(6)).path("error").path("code").asText(), error.text());
            assertEquals("data: [DONE]", lines.next(Duration.ofSeconds(2)).text());
            lines.assertEnded(Duration.ofSeconds(2));
            long silence = error.arrivedNanos() - last.arrivedNanos();
            assertTrue(error.arrivedNanos() - started >= STALL_TIMEOUT.toNanos(), "never before the read timeout");
            assertTrue(silence >= STALL_TIMEOUT.minusMillis(250).toNanos() && silence <= STALL_TIMEOUT.plus(STALL_MARGIN).toNanos(),
                    "the error came " + silence / 1_000_000 + " ms after the last chunk; the read timeout is " + STALL_TIMEOUT);

            UsageRecord metered = onlyRecord(hasty, "stalling-model");
            assertEquals(UsageStatus.FAILED, metered.status());
            assertEquals(Gateway.TOKENIZER.countPrompt(ChatRequest.of("stalling-model",
                    List.of(ChatMessage.of("user", "Say hello")))), metered.promptTokens(), "the prompt, counted");
            assertEquals(Gateway.TOKENIZER.count("stalling-model", "Hello from"), metered.completionTokens(),
                    "what was relayed, counted");
            assertEquals(1, stalling.chatCalls.get(), "not retried once chunks went out");

            stalling.behave(FakeUpstream.Behaviour.NORMAL);
            HttpResponse<String> next = http.send(post(hasty, oneAtATime, chat("stalling-model", true)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, next.statusCode(), "the slot came back: " + next.body());
            assertTrue(next.body().strip().endsWith("data: [DONE]"), next.body());
            assertTrue(next.body().contains("\" upstream\""), next.body());
        }
    }

    @Test
    void upstreamStallingMidBody_isA504AfterTheRequestTimeout_billedNothing() throws Exception {
        try (FakeUpstream stalling = FakeUpstream.start().behave(FakeUpstream.Behaviour.STALL_MID_STREAM);
             Gateway hasty = stallGateway(stalling)) {
            String oneAtATime = hasty.newKey(ONE_AT_A_TIME);
            long started = System.nanoTime();
            HttpResponse<String> response = http.send(post(hasty, oneAtATime, chat("stalling-model", false))
                    .timeout(STALL_TIMEOUT.plus(STALL_MARGIN).plusSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - started;

            assertEquals(504, response.statusCode(), response.body());
            JsonNode error = json(response.body()).path("error");
            assertEquals("upstream_timeout", error.path("code").asText());
            assertEquals("server_error", error.path("type").asText());
            assertEquals(1, stalling.stalls.get(), "the upstream had sent its headers and the start of its body");
            assertTrue(took >= STALL_TIMEOUT.toNanos() && took <= STALL_TIMEOUT.plus(STALL_MARGIN).toNanos(),
                    "answered after " + took / 1_000_000 + " ms; the request timeout is " + STALL_TIMEOUT);
            UsageRecord metered = onlyRecord(hasty, "stalling-model");
            assertEquals(UsageStatus.FAILED, metered.status());
            assertEquals(0, metered.promptTokens(), "nothing was delivered, nothing is billed");
            assertEquals(0, metered.completionTokens(), "nothing was delivered, nothing is billed");
            assertEquals(1, stalling.chatCalls.get(), "not retried once the answer began");

            stalling.behave(FakeUpstream.Behaviour.NORMAL);
            HttpResponse<String> next = http.send(post(hasty, oneAtATime, chat("stalling-model", false)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, next.statusCode(), "the slot came back: " + next.body());
            assertEquals(FakeUpstream.TEXT, json(next.body()).path("choices").path(0).path("message").path("content").asText());
        }
    }

    @Test
    void officialOpenAiClient_streamsThroughTheGateway() {
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(key).baseUrl(gateway.base().resolve("/v1").toString())
                .maxRetries(0).timeout(Duration.ofSeconds(15)).build();
        ChatCompletionCreateParams request = ChatCompletionCreateParams.builder().model("slow-llama")
                .addUserMessage("Say hello").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalBodyProperty("top_k", JsonValue.from(40)).build();

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(request)) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            chunks.forEach(ChatCompletionChunk::validate);
            String text = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
            assertEquals(FakeUpstream.TEXT, text);
            assertEquals("slow-llama", chunks.getFirst().model());
            assertTrue(chunks.getLast().choices().isEmpty());
            assertEquals(5, chunks.getLast().usage().orElseThrow().completionTokens());
        }
        assertEquals(40, slow.lastBody().path("top_k").asInt());

        BadRequestException refused = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ChatCompletionCreateParams.builder().model("picky-model").addUserMessage("hi").build()));
        assertTrue(refused.getMessage().contains("'logit_bias' is not supported by this model"), refused.getMessage());
    }

    // ---- a client slower than the upstream: chunks are written by the thread that read them until the socket is
    // full, then queued and sent by the IO thread when it drains, in order; a client that stops reading is cut off.

    @Test
    void stream_toAClientThatPausesReading_arrivesWhole_inOrder() throws Exception {
        try (FakeUpstream flooding = FakeUpstream.start().behave(FakeUpstream.Behaviour.FLOOD);
             Gateway through = new Gateway(OpenAiUpstreamEngineIT.FAST, Duration.ofSeconds(10))) {
            // ~3 MB of events: more than the socket buffers of a client that does not read hold, less than the 4 MiB
            // such a client may leave unread
            flooding.floodEvents = 15_000;
            through.deploy("flood", "flood-model", Optional.empty(), flooding.base());
            String apiKey = through.newKey();
            try (RawHttp client = streamRequest(through, apiKey, "flood-model")) {
                assertEquals(200, client.readHead().status());
                OpenAiUpstreamEngineIT.until(() -> flooding.chatCalls.get() == 1, "the upstream was called");
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());  // not reading: the gateway's queue fills

                String body = client.readChunkedBody();
                List<String> data = body.lines().filter(line -> line.startsWith("data: ")).toList();
                assertEquals("data: [DONE]", data.getLast());
                StringBuilder expected = new StringBuilder();
                for (int i = 0; i < flooding.floodEvents; i++) {
                    expected.append(" w").append(i);
                }
                StringBuilder text = new StringBuilder();
                for (String line : data.subList(0, data.size() - 1)) {
                    text.append(json(line.substring(6)).path("choices").path(0).path("delta").path("content").asText(""));
                }
                assertEquals(expected.toString(), text.toString(), "every word, once, in order");
            }
            assertEquals(0, flooding.brokenStreams.get());
        }
    }

    @Test
    void stream_toAClientThatStopsReading_isCutOff_theUpstreamCallStopped_andTheGatewayKeepsServing() throws Exception {
        try (FakeUpstream flooding = FakeUpstream.start().behave(FakeUpstream.Behaviour.FLOOD);
             Gateway through = new Gateway(OpenAiUpstreamEngineIT.FAST, Duration.ofSeconds(10))) {
            flooding.floodEvents = 200_000;  // ~45 MB of events: far over the 4 MiB a client may leave unread
            through.deploy("flood", "flood-model", Optional.empty(), flooding.base());
            String apiKey = through.newKey();
            try (RawHttp client = streamRequest(through, apiKey, "flood-model")) {
                assertEquals(200, client.readHead().status());
                OpenAiUpstreamEngineIT.until(() -> flooding.brokenStreams.get() == 1,
                        "the gateway stopped the upstream call of the client that does not read");
                UsageRecord metered = onlyRecord(through, "flood-model");
                assertTrue(metered.completionTokens() > 0 && metered.completionTokens() < 2 * flooding.floodEvents,
                        "billed for what was relayed before the cut: " + metered);
            }
            flooding.floodEvents = 3;
            HttpResponse<String> next = http.send(post(through, apiKey, chat("flood-model", true)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, next.statusCode(), next.body());
            assertTrue(next.body().strip().endsWith("data: [DONE]"), next.body());
        }
    }

    /** A streamed chat request on a raw socket whose receive buffer is small, so the gateway's writes fill it early. */
    private static RawHttp streamRequest(Gateway through, String apiKey, String model) throws IOException {
        RawHttp client = new RawHttp(through.base().getPort(), 8 * 1024);
        byte[] body = chat(model, true).getBytes(StandardCharsets.UTF_8);
        client.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + apiKey
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n");
        client.write(body);
        return client;
    }
}
