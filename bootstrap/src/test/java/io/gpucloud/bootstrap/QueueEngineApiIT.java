package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code INFERENCE_ENGINE=queue} end to end over HTTP: the API server on PostgreSQL and Redis, a
 * {@link WorkerProcess} (in this JVM) pulling jobs for one model; another model has no worker.
 */
class QueueEngineApiIT {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static final String SERVED = "gpt-4o-mini";
    private static final String UNSERVED = "llama-2-7b";
    private static RedisUrl redis;
    private static ApiServer server;
    private static WorkerProcess worker;
    private static String key;

    @BeforeAll
    static void start() {
        redis = TestRedis.url();
        Map<String, String> env = new HashMap<>(Instances.environment(TestDatabase.createDatabase(), redis, PREFIX));
        env.put("INFERENCE_ENGINE", "queue");
        env.put("QUEUE_MAX_DEPTH", "2");
        env.put("QUEUE_RETRY_AFTER_SECONDS", "3");
        env.put("QUEUE_JOB_TIMEOUT_SECONDS", "10");
        env.put("SIMULATED_TOKENS_PER_SECOND", "20");
        server = Instances.startReady(env);
        worker = WorkerProcess.start(Config.from(env), new WorkerProcess.Options(Set.of(SERVED), 4, WorkerProcess.EngineChoice.SIMULATED,
                Optional.empty(), Optional.empty(), Optional.of("api-it-worker"), Duration.ofSeconds(5), Duration.ofSeconds(10)));
        HttpResponse<String> created = Instances.post(server, "/api/keys", ADMIN, "{\"name\":\"queue\"}");
        assertEquals(201, created.statusCode(), created.body());
        key = Instances.field(created.body(), "key");
    }

    @AfterAll
    static void stop() {
        worker.stop();
        server.stop();
        TestRedis.deleteKeys(redis, PREFIX);
    }

    private static HttpRequest chat(String model, boolean stream) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}"))
                .build();
    }

    /** A streamed request on a socket of its own, so that closing it is a client going away. */
    private static Socket rawStream(String model) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return Instances.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stream_throughTheQueue_sendsTheFirstChunkLongBeforeTheLast() throws Exception {
        HttpResponse<InputStream> response = Instances.HTTP.send(chat(SERVED, true), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        List<String> events = new ArrayList<>();
        long firstAt = 0;
        long doneAt = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                events.add(line.substring(6));
                if (events.size() == 1) {
                    firstAt = System.nanoTime();
                }
                if (line.equals("data: [DONE]")) {
                    doneAt = System.nanoTime();
                }
            }
        }
        assertTrue(events.getFirst().contains("\"role\":\"assistant\""), events.getFirst());
        assertTrue(events.stream().anyMatch(event -> event.contains("\"finish_reason\":\"stop\"")), events.toString());
        assertTrue(events.stream().anyMatch(event -> event.contains("\"usage\"") && event.contains("\"completion_tokens\"")),
                events.toString());
        assertEquals("[DONE]", events.getLast());
        assertTrue(doneAt - firstAt > Duration.ofMillis(300).toNanos(), "chunks arrive as the worker makes them (20 tokens/s)");
    }

    @Test
    void complete_throughTheQueue_answersWithTheWorkersCompletion() throws Exception {
        HttpResponse<String> served = send(chat(SERVED, false));

        assertEquals(200, served.statusCode(), served.body());
        assertTrue(served.body().contains("\"object\":\"chat.completion\""), served.body());
        assertTrue(served.body().contains("\"model\":\"" + SERVED + "\""), served.body());
    }

    @Test
    void queueFull_isRefusedWith503AndRetryAfter_andWorkersAreListed() throws Exception {
        List<Socket> waiting = List.of(rawStream(UNSERVED), rawStream(UNSERVED));
        Instances.await(Duration.ofSeconds(10), () -> Instances.get(server, "/metrics", null).body()
                .contains("gpucloud_queue_depth{model=\"" + UNSERVED + "\"} 2"));

        HttpResponse<String> refused = send(chat(UNSERVED, true));

        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals(Optional.of("3"), refused.headers().firstValue("Retry-After"));
        assertTrue(refused.body().contains("\"code\":\"engine_unavailable\""), refused.body());
        for (Socket client : waiting) {
            client.close();
        }

        HttpResponse<String> workers = Instances.get(server, "/api/workers", ADMIN);
        assertEquals(200, workers.statusCode(), workers.body());
        assertTrue(workers.body().contains("\"id\":\"api-it-worker\""), workers.body());
        assertTrue(workers.body().contains("\"models\":[\"" + SERVED + "\"]"), workers.body());
        assertTrue(workers.body().contains("\"status\":\"online\""), workers.body());
        assertEquals(401, Instances.get(server, "/api/workers", null).statusCode());
    }
}
