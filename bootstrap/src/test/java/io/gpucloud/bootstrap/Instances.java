package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import io.gpucloud.adapters.redis.RedisUrl;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starts real servers in this JVM on free ports and talks to them over HTTP. */
final class Instances {
    static final String ADMIN = "admin-token-for-bootstrap-tests";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Instances() {
    }

    static Map<String, String> environment(DatabaseUrl database, RedisUrl redis, String redisPrefix) {
        Map<String, String> env = new HashMap<>();
        String credentials = database.user().map(user -> encode(user) + database.password().map(pw -> ":" + encode(pw)).orElse("") + "@").orElse("");
        env.put("DATABASE_URL", "postgresql://" + credentials + database.host() + ":" + database.port() + "/" + database.database());
        env.put("RUN_MIGRATIONS", "1");
        env.put("PORT", "0");
        env.put("HOST", "127.0.0.1");
        env.put("ADMIN_TOKEN", ADMIN);
        env.put("USAGE_FLUSH_INTERVAL_MS", "50");
        env.put("SHUTDOWN_GRACE_SECONDS", "5");
        if (redis != null) {
            env.put("REDIS_URL", "redis://" + redis.host() + ":" + redis.port() + "/" + redis.database());
            env.put("REDIS_KEY_PREFIX", redisPrefix);
        }
        return env;
    }

    static ApiServer startReady(Map<String, String> env) {
        ApiServer server = ApiServer.start(Config.from(env));
        await(Duration.ofSeconds(60), () -> get(server, "/health", null).statusCode() == 200
                && get(server, "/ready", null).statusCode() == 200);
        return server;
    }

    static HttpResponse<String> get(ApiServer server, String path, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.build());
    }

    static HttpResponse<String> post(ApiServer server, String path, String bearer, String json) {
        return send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static HttpResponse<String> delete(ApiServer server, String path, String bearer) {
        return send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).DELETE().build());
    }

    static HttpResponse<String> chat(ApiServer server, String key, String extraJson) {
        return post(server, "/v1/chat/completions", key,
                "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]" + extraJson + "}");
    }

    static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":\"?([^\",}]+)\"?").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in " + json);
        }
        return matcher.group(1);
    }

    static void await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // keep polling until the deadline
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AssertionError(interrupted);
            }
        }
    }

    private static URI uri(ApiServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception failure) {
            throw new IllegalStateException(failure);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
