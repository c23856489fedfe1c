package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server-sent events exactly as OpenAI sends them. */
class StreamingIT {
    private static TestServer server;
    private static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.newKey();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void normalEngine() {
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.NORMAL);
    }

    private static List<String> stream(String body) {
        HttpResponse<Stream<String>> response = server.http.postStreaming("/v1/chat/completions", key, body);
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        return response.body().toList();
    }

    @Test
    void stream_everyChunkSharesIdAndCreated_firstDeltaIsRole_lastChoiceChunkHasFinishReasonAndEmptyDelta() {
        List<String> lines = stream(Http.chatStream("gpt-4o", "Tell me something", false));
        List<JsonNode> chunks = Http.events(lines);
        assertTrue(chunks.size() >= 3, lines.toString());
        String id = chunks.getFirst().get("id").asText();
        long created = chunks.getFirst().get("created").asLong();
        assertTrue(id.startsWith("chatcmpl-"), id);
        for (JsonNode chunk : chunks) {
            assertEquals(id, chunk.get("id").asText());
            assertEquals(created, chunk.get("created").asLong());
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            assertEquals("gpt-4o", chunk.get("model").asText());
            assertFalse(chunk.has("usage"), "no usage field without include_usage");
        }
        assertEquals(Http.JSON.createObjectNode().put("role", "assistant").put("content", ""),
                chunks.getFirst().get("choices").get(0).get("delta"));
        JsonNode last = chunks.getLast().get("choices").get(0);
        assertEquals("stop", last.get("finish_reason").asText());
        assertEquals(0, last.get("delta").size(), "the finishing delta is {}");
        assertTrue(chunks.get(1).get("choices").get(0).get("finish_reason").isNull());
        assertEquals("data: [DONE]", lines.stream().filter(line -> !line.isEmpty()).toList().getLast());
    }

    @Test
    void stream_everyChunkRelayedIsTimedInTheRelayHistogram() {
        long before = relayCount();
        List<JsonNode> chunks = Http.events(stream(Http.chatStream("gpt-4o", "Time my chunks", false)));
        assertTrue(chunks.size() >= 3, chunks.toString());
        // Observed right after the write, so the client may read the last bytes first: polled. Other tests' streams
        // may finish meanwhile (same server): at least this stream's chunks are counted.
        Polling.until(StreamingIT::relayCount, after -> after - before >= chunks.size(),
                "the relay histogram counts this stream's " + chunks.size() + " chunks");
        assertTrue(server.metrics.scrape().contains("# TYPE gpucloud_chat_stream_chunk_relay_seconds histogram"));
    }

    private static long relayCount() {
        return server.metrics.scrape().lines()
                .filter(line -> line.startsWith("gpucloud_chat_stream_chunk_relay_seconds_count "))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
                .findFirst().orElseThrow();
    }

    @Test
    void stream_withIncludeUsage_everyChunkHasNullUsageAndTheLastHasNoChoicesAndTheUsage() {
        List<JsonNode> chunks = Http.events(stream(Http.chatStream("gpt-4o", "Count tokens", true)));
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(chunk.get("usage").isNull(), chunk.toString());
        }
        JsonNode usageChunk = chunks.getLast();
        assertEquals(0, usageChunk.get("choices").size());
        JsonNode usage = usageChunk.get("usage");
        assertEquals(usage.get("prompt_tokens").asLong() + usage.get("completion_tokens").asLong(),
                usage.get("total_tokens").asLong());
        assertTrue(usage.get("completion_tokens").asLong() > 0);
    }

    @Test
    void stream_withTwoChoicesAndMaxTokens_startsAndFinishesEachChoice() {
        String body = "{\"model\":\"gpt-4\",\"stream\":true,\"n\":2,\"max_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        List<JsonNode> chunks = Http.events(stream(body));
        for (int index = 0; index < 2; index++) {
            int choice = index;
            List<JsonNode> mine = chunks.stream().map(chunk -> chunk.get("choices").get(0))
                    .filter(c -> c.get("index").asInt() == choice).toList();
            assertEquals("assistant", mine.getFirst().get("delta").get("role").asText());
            assertEquals("length", mine.getLast().get("finish_reason").asText());
        }
    }

    @Test
    void stream_carriesRateLimitHeadersBeforeTheFirstByte() {
        String limited = server.newKey(new Limits(OptionalLong.of(100), OptionalLong.of(100_000), OptionalLong.empty(),
                OptionalInt.empty(), Set.of(), Optional.empty()));
        HttpResponse<Stream<String>> response = server.http.postStreaming("/v1/chat/completions", limited,
                Http.chatStream("gpt-4o", "Hi", false));
        assertEquals(200, response.statusCode());
        assertEquals("100", response.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("99", response.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertTrue(response.headers().firstValue("x-ratelimit-reset-requests").orElseThrow().matches("[0-9.hms]+"));
        assertEquals("100000", response.headers().firstValue("x-ratelimit-limit-tokens").orElseThrow());
        assertTrue(response.headers().firstValue("x-request-id").isPresent());
        response.body().close();
    }

    @Test
    void stream_whenTheEngineFailsAfterTheFirstToken_sendsAnErrorEventThenDone() {
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.FAIL_AFTER_FIRST_TOKEN);
        List<String> lines = stream(Http.chatStream(TestServer.SCRIPTED_MODEL, "Hi", true)).stream()
                .filter(line -> !line.isEmpty()).toList();
        assertEquals("data: [DONE]", lines.getLast());
        JsonNode error = Http.events(lines).getLast().get("error");
        assertEquals("server_error", error.get("type").asText());
        assertEquals("engine_unavailable", error.get("code").asText());
        assertTrue(error.has("param") && error.get("param").isNull());
        assertTrue(error.has("message"));
    }

    @Test
    void stream_whenTheEngineFailsBeforeAnyToken_isAnOrdinaryHttpError() {
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.FAIL_BEFORE_FIRST_TOKEN);
        HttpResponse<String> response = server.http.post("/v1/chat/completions", key,
                Http.chatStream(TestServer.SCRIPTED_MODEL, "Hi", false));
        assertEquals(503, response.statusCode(), response.body());
        assertEquals("engine_unavailable", Http.json(response).get("error").get("code").asText());
        assertEquals("3", response.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void stream_whenTheClientDropsMidStream_cancelsTheEngineBillsWhatWasSentAndKeepsServing() throws Exception {
        String dropper = server.newKey();
        try (RawHttp raw = new RawHttp(server.port())) {
            String body = Http.chatStream(TestServer.SLOW_MODEL, "Please write a long answer", false);
            raw.write("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + dropper
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            assertTrue(raw.readLine().startsWith("HTTP/1.1 200"));
            String line;
            do {
                line = raw.readLine();
            } while (!line.contains("\"content\":\"\""));
        }
        UsageRecord record = Polling.until(() -> server.usage.records().stream()
                        .filter(r -> r.model().equals(TestServer.SLOW_MODEL) && r.status() == UsageStatus.CANCELLED).findFirst(),
                Optional::isPresent, "the dropped stream is metered as cancelled").orElseThrow();
        assertTrue(record.promptTokens() > 0);
        assertEquals(200, server.http.get("/health", null).statusCode());
        Polling.until(() -> server.metrics.openStreams(), open -> open == 0, "the stream is closed");
        assertTrue(server.metrics.scrape().contains("gpucloud_chat_streams_cancelled_total 1"));
    }

    @Test
    void completion_nonStreamed_hasTheOpenAiShape() {
        HttpResponse<String> response = server.http.post("/v1/chat/completions", key,
                "{\"model\":\"gpt-4o\",\"n\":2,\"stop\":[\"zzz\"],\"seed\":7,\"user\":\"u1\",\"temperature\":0.5,\"top_p\":1,"
                        + "\"max_completion_tokens\":50,\"max_tokens\":1,\"some_engine_option\":{\"a\":[1,null]},"
                        + "\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"Be brief\"}]},"
                        + "{\"role\":\"user\",\"content\":\"Hi\"},"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"42\"}]}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode completion = Http.json(response);
        assertTrue(completion.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", completion.get("object").asText());
        assertEquals("gpt-4o", completion.get("model").asText());
        assertTrue(completion.get("created").asLong() > 1_700_000_000L);
        assertEquals(2, completion.get("choices").size());
        JsonNode choice = completion.get("choices").get(0);
        assertEquals(0, choice.get("index").asInt());
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertTrue(choice.get("message").get("content").isTextual());
        assertTrue(choice.has("finish_reason"));
        JsonNode usage = completion.get("usage");
        assertEquals(usage.get("prompt_tokens").asLong() + usage.get("completion_tokens").asLong(),
                usage.get("total_tokens").asLong());
        // max_completion_tokens (50) wins over max_tokens (1): the answer is longer than one token.
        assertTrue(usage.get("completion_tokens").asLong() > 2, usage.toString());
    }
}
