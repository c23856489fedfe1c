package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.database.DatabaseUrl;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code gpucloud serve} as a real process of its own (for kill -9, SIGTERM, and its log as an operator sees it),
 * on a free loopback port, its output redirected to a file. Bounded: every wait has a deadline.
 */
final class ServeProcess implements AutoCloseable {
    static final String ADMIN = "admin-token-for-the-chaos-tests-0123";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final Process process;
    final int port;
    final Path log;

    private ServeProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts {@code serve} on {@code database} with {@code extra} environment, and waits until /health and /ready are 200. */
    static ServeProcess start(DatabaseUrl database, Map<String, String> extra, String... jvmOptions) throws Exception {
        return start(database, extra, Files.createTempFile("gpucloud-serve", ".log"), jvmOptions);
    }

    /** As {@link #start(DatabaseUrl, Map, String...)}, appending its output to {@code log}. */
    static ServeProcess start(DatabaseUrl database, Map<String, String> extra, Path log, String... jvmOptions) throws Exception {
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GpuCloudCli.class.getName(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(Cli.environmentFor(database));
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("HOST", "127.0.0.1");
        builder.environment().put("ADMIN_TOKEN", ADMIN);
        builder.environment().remove("REDIS_URL");
        builder.environment().putAll(extra);
        ServeProcess server = new ServeProcess(builder.start(), port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.process.isAlive()) {
                throw new AssertionError("server exited early:\n" + server.readLog());
            }
            try {
                // /ready: the database is reachable and migrated (the key store answers); /health only says it is up.
                if (server.get("/health", null).statusCode() == 200 && server.get("/ready", null).statusCode() == 200) {
                    return server;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        server.close();
        throw new AssertionError("no 200 from /health and /ready within 60 s:\n" + server.readLog());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String bearer, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates a key through the admin API; returns {id, secret}. */
    String[] createKey(String limitsJson) throws IOException, InterruptedException {
        HttpResponse<String> created = post("/api/keys", ADMIN, "{\"name\":\"chaos\"" + limitsJson + "}");
        if (created.statusCode() != 201) {
            throw new AssertionError(created.statusCode() + " " + created.body());
        }
        return new String[] {field(created.body(), "id"), field(created.body(), "key")};
    }

    static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in " + json);
        }
        return matcher.group(1);
    }

    /** A number from /metrics, e.g. {@code gpucloud_usage_pending_records}. */
    double metric(String name) throws IOException, InterruptedException {
        for (String line : get("/metrics", null).body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        throw new AssertionError(name + " not in /metrics");
    }

    String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException unreadable) {
            return "(log unreadable)";
        }
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the server survived SIGKILL");
        }
    }

    /** SIGTERM: the graceful path. */
    void sigterm() {
        process.destroy();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
