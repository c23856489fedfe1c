package io.gpucloud.adapters.http;

import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stop(): a stream in flight completes; requests arriving meanwhile get 503 with Retry-After. */
class GracefulShutdownIT {

    @Test
    void stop_letsAStreamInFlightFinish_andRefusesNewRequestsWith503() throws Exception {
        TestServer server = TestServer.start();
        try {
            String key = server.newKey();
            HttpResponse<Stream<String>> response = server.http.postStreaming("/v1/chat/completions", key,
                    Http.chatStream(TestServer.SLOW_MODEL, "A slow answer please", true));
            assertEquals(200, response.statusCode());
            Iterator<String> lines = response.body().iterator();
            List<String> received = new ArrayList<>();
            received.add(lines.next());
            assertTrue(received.getFirst().startsWith("data: {"), "the stream has started");
            assertEquals(1, server.api.inFlightRequests());

            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> server.api.stop(Duration.ofSeconds(20)));

            HttpResponse<String> refused = Polling.until(() -> server.http.get("/health", null),
                    health -> health.statusCode() == 503, "new requests are refused during the grace");
            assertEquals("1", refused.headers().firstValue("retry-after").orElseThrow());
            assertEquals("server_shutting_down", Http.json(refused).get("error").get("code").asText());
            assertTrue(refused.headers().firstValue("x-request-id").isPresent());

            lines.forEachRemaining(received::add);
            assertEquals("data: [DONE]", received.stream().filter(line -> !line.isEmpty()).toList().getLast());
            assertTrue(Http.events(received).getLast().get("usage").get("completion_tokens").asLong() > 0);
            assertTrue(stopped.get(), "everything in flight finished within the grace");
            assertTrue(server.usage.records().stream().anyMatch(record -> record.status() == UsageStatus.COMPLETED
                    && record.model().equals(TestServer.SLOW_MODEL)), "the stream was metered");
            assertEquals(0, server.api.inFlightRequests());
        } finally {
            server.close();
        }
    }

    @Test
    void stop_withAShortGrace_cutsTheStreamAndBillsWhatWasSent() throws Exception {
        TestServer server = TestServer.start();
        try {
            HttpResponse<Stream<String>> response = server.http.postStreaming("/v1/chat/completions", server.newKey(),
                    Http.chatStream(TestServer.SLOW_MODEL, "Another slow answer", false));
            Iterator<String> lines = response.body().iterator();
            assertTrue(lines.next().startsWith("data: {"));

            boolean drained = server.api.stop(Duration.ofMillis(100));

            assertEquals(false, drained);
            try {
                lines.forEachRemaining(line -> { });
            } catch (UncheckedIOException cutOff) {
                assertTrue(cutOff.getCause() instanceof IOException);
            }
            Polling.until(() -> server.usage.records().stream().anyMatch(record -> record.status() == UsageStatus.CANCELLED),
                    found -> found, "the cut stream is billed as cancelled");
        } finally {
            server.close();
        }
    }
}
