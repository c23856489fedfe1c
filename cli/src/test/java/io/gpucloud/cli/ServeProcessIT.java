package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gpucloud serve} as a real process: listens, serves the seed flow, and on SIGTERM lets a
 * stream in flight finish and writes its usage record before exiting 0.
 */
class ServeProcessIT {
    private static final String ADMIN = "admin-token-for-the-process-test";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process server;
    private Path log;

    @AfterEach
    void killLeftovers() {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private int start(DatabaseUrl database, Map<String, String> extra) throws Exception {
        int port = freePort();
        log = Files.createTempFile("gpucloud-serve", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GpuCloudCli.class.getName(), "serve")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Cli.environmentFor(database));
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("ADMIN_TOKEN", ADMIN);
        builder.environment().put("SHUTDOWN_GRACE_SECONDS", "20");
        builder.environment().putAll(extra);
        server = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(server.isAlive(), () -> "server exited early:\n" + readLog());
            try {
                if (get(port, "/health", null).statusCode() == 200) {
                    return port;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no 200 from /health within 60 s:\n" + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException unreadable) {
            return "(log unreadable)";
        }
    }

    private HttpResponse<String> get(int port, String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(int port, String path, String bearer, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(matcher.find(), name + " not in " + json);
        return matcher.group(1);
    }

    @Test
    void sigterm_letsTheStreamInFlightFinishAndWritesItsUsage() throws Exception {
        DatabaseUrl url = TestDatabase.createDatabase();
        int port = start(url, Map.of("SIMULATED_TOKENS_PER_SECOND", "25"));

        HttpResponse<String> created = post(port, "/api/keys", ADMIN, "{\"name\":\"process test\"}");
        assertEquals(201, created.statusCode(), created.body());
        String key = field(created.body(), "key");
        String keyId = field(created.body(), "id");

        HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("x-request-id", "shutdown-stream-1")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a long answer please\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        List<String> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            boolean signalled = false;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                    if (!signalled && events.size() == 3) {
                        server.toHandle().destroy(); // SIGTERM, mid-stream
                        signalled = true;
                    }
                }
            }
        }
        assertEquals("[DONE]", events.getLast(), "the stream was cut: " + events);
        assertTrue(events.stream().anyMatch(event -> event.contains("\"finish_reason\":\"stop\"")), events.toString());
        assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server did not exit");
        assertEquals(0, server.exitValue(), readLog());

        Database database = TestDatabase.open(url);
        long rows = database.withHandle(handle -> handle.createQuery(
                        "SELECT count(*) FROM usage_events WHERE key_id = CAST(:key AS uuid) AND completion_tokens > 0")
                .bind("key", keyId).mapTo(Long.class).one());
        assertEquals(1, rows, readLog());
    }
}
