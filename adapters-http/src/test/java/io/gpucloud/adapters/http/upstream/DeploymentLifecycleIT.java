package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deployment's life through the admin API, with the {@link io.gpucloud.application.deployment.DeploymentMonitor}
 * scheduled as in production (every 50 ms here, failing after 300 ms of failed probes): created
 * against a live upstream → running; upstream stopped → failed with the reason; upstream back on the
 * same port → running; deleted → its model gone from {@code /v1/models}.
 */
class DeploymentLifecycleIT {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeUpstream upstream;
    private Gateway gateway;
    private ScheduledExecutorService scheduler;
    private String key;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        gateway = new Gateway(OpenAiUpstreamEngineIT.FAST, Duration.ofMillis(300));
        scheduler = Executors.newSingleThreadScheduledExecutor();
        scheduler.scheduleWithFixedDelay(gateway.monitor, 50, 50, TimeUnit.MILLISECONDS);
        key = gateway.newKey();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        gateway.close();
        upstream.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(gateway.base().resolve(path)).header("Authorization", "Bearer " + Gateway.ADMIN_TOKEN);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return FakeUpstream.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    private JsonNode deployment(String id) {
        for (JsonNode deployment : json(send(admin("/api/deployments").GET())).path("deployments")) {
            if (deployment.path("id").asText().equals(id)) {
                return deployment;
            }
        }
        throw new AssertionError("no deployment " + id);
    }

    private JsonNode waitFor(String id, Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        JsonNode last = deployment(id);
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what + "; last seen: " + last);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            last = deployment(id);
        }
        return last;
    }

    private List<String> models() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(gateway.base().resolve("/v1/models"))
                .header("Authorization", "Bearer " + key).GET());
        List<String> ids = new ArrayList<>();
        json(response).path("data").forEach(model -> ids.add(model.path("id").asText()));
        return ids;
    }

    private HttpResponse<String> chat() {
        return send(HttpRequest.newBuilder(gateway.base().resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"lifecycle-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
    }

    @Test
    void deployment_runs_fails_recovers_andLeaves() {
        HttpResponse<String> created = send(admin("/api/deployments").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"gpu-1\",\"modelType\":\"lifecycle-model\","
                        + "\"engine\":\"openai\",\"endpoints\":[\"" + upstream.base() + "\"],"
                        + "\"upstreamModel\":\"meta-llama/Llama-3.1-8B-Instruct\"}")));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("provisioning", json(created).path("status").asText());
        String id = json(created).path("id").asText();

        waitFor(id, d -> d.path("status").asText().equals("running"), "the deployment runs");
        assertEquals(List.of("lifecycle-model"), models());
        assertEquals(200, chat().statusCode());
        assertEquals("meta-llama/Llama-3.1-8B-Instruct", upstream.lastBody().path("model").asText());

        int port = upstream.port();
        upstream.close();
        JsonNode failed = waitFor(id, d -> d.path("status").asText().equals("failed"), "the deployment fails");
        assertTrue(failed.path("reason").asText().contains("connection refused"), failed.toString());
        assertEquals(List.of(), models());
        HttpResponse<String> refused = chat();
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("engine_unavailable", json(refused).path("error").path("code").asText());

        upstream = FakeUpstream.start(port);
        JsonNode recovered = waitFor(id, d -> d.path("status").asText().equals("running"), "the deployment recovers");
        assertTrue(recovered.path("reason").isNull());
        assertEquals(List.of("lifecycle-model"), models());
        assertEquals(200, chat().statusCode());

        assertEquals(204, send(admin("/api/deployments/" + id).DELETE()).statusCode());
        List<String> afterDelete = models();
        assertFalse(afterDelete.contains("lifecycle-model"), afterDelete.toString());
        assertTrue(afterDelete.contains("gpt-4o"), "with no deployment left the simulated models are back");
        assertEquals(404, chat().statusCode());
    }
}
