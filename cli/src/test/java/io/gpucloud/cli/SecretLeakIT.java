package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.domain.apikey.KeySecret;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 1: a real {@code serve} process (debug logging for the application, Redis configured) issues 1,000
 * keys, serves each once, and gets 1,000 malformed requests built from those secrets (typos, truncations, wrong
 * schemes, keys in query strings, paths, request ids, bodies, other headers). Then this run's whole database (every
 * table as text), this run's Redis keys and values, the process's complete output and every response body the
 * clients got (but the one 201 that hands each key out) are searched: no secret, and no part of one beyond its
 * 12-character display prefix, is anywhere.
 */
class SecretLeakIT {
    private static final int KEYS = Integer.getInteger("gpucloud.chaos.secretKeys", 1_000);
    private static final int MALFORMED = Integer.getInteger("gpucloud.chaos.secretMalformed", 1_000);
    /** A window this long from a secret's hidden part (after the display prefix) found anywhere is a leak. */
    private static final int WINDOW = 10;

    private ServeProcess server;
    private RedisUrl redis;
    private String prefix;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            TestRedis.deleteKeys(redis, prefix);
        }
    }

    private record Exchange(String what, int status, String body, String headers) {
    }

    @Test
    void noSecretNorAnyPartBeyondItsPrefix_isInTheDatabaseRedisTheLogsOrAnyResponse() throws Exception {
        DatabaseUrl database = TestDatabase.createDatabase();
        redis = TestRedis.url();
        prefix = TestRedis.uniquePrefix();
        server = ServeProcess.start(database, Map.of(
                        "REDIS_URL", "redis://" + redis.host() + ":" + redis.port() + "/" + redis.database(),
                        "REDIS_KEY_PREFIX", prefix, "USAGE_FLUSH_INTERVAL_MS", "50"),
                "-Dorg.slf4j.simpleLogger.log.io.gpucloud=debug");

        List<Exchange> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> secrets = Collections.synchronizedList(new ArrayList<>());
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        parallel(KEYS, i -> {
            String limits = switch (i % 3) {
                case 0 -> ",\"rpm\":1000,\"tpm\":1000000";
                case 1 -> ",\"monthlyTokenBudget\":10000000,\"maxConcurrent\":4";
                default -> "";
            };
            String[] created = server.createKey(limits);
            ids.add(created[0]);
            secrets.add(created[1]);
            HttpResponse<String> used = server.post("/v1/chat/completions", created[1],
                    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, used.statusCode(), used.body());
            seen.add(exchange("use " + i, used));
            return null;
        });

        List<Malformation> kinds = malformations();
        parallel(MALFORMED, i -> {
            String secret = secrets.get(i % secrets.size());
            Malformation kind = kinds.get(i % kinds.size());
            HttpResponse<String> response = ServeProcess.HTTP.send(kind.request(server, secret).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(response.statusCode() >= 400 && response.statusCode() < 500,
                    kind.name() + " got " + response.statusCode() + ": " + response.body());
            if (kind.echoesItsInput()) {
                // The contract echoes a model name back to its sender (as OpenAI does); the log is still checked.
                return null;
            }
            seen.add(exchange(kind.name(), response));
            return null;
        });
        seen.add(exchange("list", server.get("/api/keys", ServeProcess.ADMIN)));
        seen.add(exchange("one", server.get("/api/keys/" + ids.getFirst(), ServeProcess.ADMIN)));
        seen.add(exchange("metrics", server.get("/api/metrics?hours=1", ServeProcess.ADMIN)));
        seen.add(exchange("prometheus", server.get("/metrics", null)));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.metric("gpucloud_usage_pending_records") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Database db = TestDatabase.open(database);
        long events = db.withHandle(handle -> handle.createQuery("SELECT count(*) FROM usage_events").mapTo(Long.class).one());
        assertEquals(KEYS, events, "every key's one call is metered (and nothing malformed is)");

        Map<String, String> haystacks = new HashMap<>();
        haystacks.put("database", dumpDatabase(db));
        haystacks.put("redis", dumpRedis(redis, prefix));
        server.close();
        haystacks.put("log", server.readLog());
        StringBuilder responses = new StringBuilder();
        synchronized (seen) {
            for (Exchange exchange : seen) {
                responses.append(exchange.what()).append(' ').append(exchange.status()).append(' ')
                        .append(exchange.headers()).append(' ').append(exchange.body()).append('\n');
            }
        }
        haystacks.put("responses", responses.toString());
        haystacks.forEach((where, text) -> System.out.printf("searched %s: %,d characters%n", where, text.length()));
        assertTrue(haystacks.get("redis").length() > 0, "Redis holds this run's quota state");
        assertTrue(haystacks.get("log").contains("status=401"), "the log has the refused requests");

        Map<String, String> windows = new HashMap<>();
        for (String secret : secrets) {
            String hidden = secret.substring(KeySecret.DISPLAY_PREFIX_LENGTH);
            for (int i = 0; i + WINDOW <= hidden.length(); i++) {
                windows.put(hidden.substring(i, i + WINDOW), secret.substring(0, KeySecret.DISPLAY_PREFIX_LENGTH));
            }
        }
        List<String> leaks = new ArrayList<>();
        haystacks.forEach((where, text) -> {
            for (int i = 0; i + WINDOW <= text.length() && leaks.size() < 10; i++) {
                String owner = windows.get(text.substring(i, i + WINDOW));
                if (owner != null) {
                    int from = Math.max(0, i - 80);
                    leaks.add(where + ": part of " + owner + "… at " + i + ": "
                            + text.substring(from, Math.min(text.length(), i + 80)).replace('\n', ' '));
                }
            }
        });
        assertTrue(leaks.isEmpty(), "secrets leaked:\n" + String.join("\n", leaks));
    }

    private static Exchange exchange(String what, HttpResponse<String> response) {
        return new Exchange(what, response.statusCode(), response.body(), response.headers().map().toString());
    }

    /** One kind of malformed request, built from a real secret. */
    private record Malformation(String name, boolean echoesItsInput, RequestMaker maker) {
        HttpRequest.Builder request(ServeProcess server, String secret) {
            return maker.make(server, secret);
        }
    }

    @FunctionalInterface
    private interface RequestMaker {
        HttpRequest.Builder make(ServeProcess server, String secret);
    }

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static HttpRequest.Builder chat(ServeProcess server, String query) {
        return HttpRequest.newBuilder(server.uri("/v1/chat/completions" + query)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT));
    }

    private static String typo(String secret) {
        int at = secret.length() - 10;
        char replacement = secret.charAt(at) == 'a' ? 'b' : 'a';
        return secret.substring(0, at) + replacement + secret.substring(at + 1);
    }

    private static List<Malformation> malformations() {
        return List.of(
                new Malformation("typo", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + typo(k))),
                new Malformation("truncated", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + k.substring(0, 40))),
                new Malformation("appended", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + k + "x")),
                new Malformation("lower-cased", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + k.toLowerCase())),
                new Malformation("basic scheme", false, (s, k) -> chat(s, "").header("Authorization", "Basic "
                        + java.util.Base64.getEncoder().encodeToString((k + ":").getBytes(StandardCharsets.UTF_8)))),
                new Malformation("token scheme", false, (s, k) -> chat(s, "").header("Authorization", "Token " + k)),
                new Malformation("no scheme", false, (s, k) -> chat(s, "").header("Authorization", k)),
                new Malformation("two headers", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + k)
                        .header("Authorization", "Bearer " + typo(k))),
                new Malformation("query api_key", false, (s, k) -> chat(s, "?api_key=" + k)),
                new Malformation("query on admin", false, (s, k) -> HttpRequest.newBuilder(s.uri("/api/keys?token=" + k)).GET()),
                new Malformation("key as admin token", false, (s, k) -> HttpRequest.newBuilder(s.uri("/api/keys"))
                        .header("Authorization", "Bearer " + k).GET()),
                new Malformation("key in x-api-key", false, (s, k) -> chat(s, "").header("x-api-key", k)),
                new Malformation("key as request id", false, (s, k) -> chat(s, "").header("Authorization", "Bearer " + typo(k))
                        .header("x-request-id", k)),
                new Malformation("key in path", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/" + k))
                        .header("Authorization", "Bearer " + k).GET()),
                new Malformation("key as key id", false, (s, k) -> HttpRequest.newBuilder(s.uri("/api/keys/" + k))
                        .header("Authorization", "Bearer " + ServeProcess.ADMIN).GET()),
                new Malformation("key in bad json", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":\"" + k + "\""))),
                new Malformation("key as messages", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":\"" + k + "\"}"))),
                new Malformation("key as role", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"" + k + "\",\"content\":\"x\"}]}"))),
                new Malformation("key as model", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + k + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))),
                new Malformation("key in form body", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + typo(k)).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("api_key=" + k))),
                new Malformation("key in admin body", false, (s, k) -> HttpRequest.newBuilder(s.uri("/api/keys"))
                        .header("Authorization", "Bearer " + ServeProcess.ADMIN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"key\":\"" + k + "\"}"))),
                new Malformation("key as metrics token", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/models"))
                        .header("Authorization", "Bearer " + k.substring(0, 20) + "?" + k.substring(21))),
                new Malformation("key as method target", false, (s, k) -> HttpRequest.newBuilder(s.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k).method("PATCH", HttpRequest.BodyPublishers.ofString(k))));
    }

    @FunctionalInterface
    private interface Task {
        Object run(int i) throws Exception;
    }

    /** Runs {@code count} tasks on 8 threads; rethrows the first failure. */
    private static void parallel(int count, Task task) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.run(index)));
            }
            for (Future<Object> future : futures) {
                future.get();
            }
        }
    }

    /** Every row of every table of this run's database, as PostgreSQL prints it: what a pg_dump would hold. */
    private static String dumpDatabase(Database db) {
        return db.withHandle(handle -> {
            StringBuilder dump = new StringBuilder();
            List<String> tables = handle.createQuery("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) "
                    + "FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                    + "AND table_type = 'BASE TABLE'").mapTo(String.class).list();
            for (String table : tables) {
                dump.append("-- ").append(table).append('\n');
                handle.createQuery("SELECT t::text FROM " + table + " t").mapTo(String.class)
                        .forEach(row -> dump.append(row).append('\n'));
            }
            assertTrue(tables.stream().anyMatch(table -> table.endsWith("api_keys")), tables.toString());
            return dump.toString();
        });
    }

    /** Every key under this run's prefix, with its value whatever its type. */
    private static String dumpRedis(RedisUrl url, String prefix) {
        StringBuilder dump = new StringBuilder();
        TestRedis.withCommands(url, commands -> {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = commands.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
                for (String key : page.getKeys()) {
                    dump.append(key).append(" = ");
                    switch (commands.type(key)) {
                        case "string" -> dump.append(commands.get(key));
                        case "hash" -> dump.append(commands.hgetall(key));
                        case "list" -> dump.append(commands.lrange(key, 0, -1));
                        case "set" -> dump.append(commands.smembers(key));
                        case "zset" -> dump.append(commands.zrangeWithScores(key, 0, -1));
                        case "stream" -> commands.xrange(key, Range.create("-", "+")).stream().map(StreamMessage::getBody)
                                .forEach(dump::append);
                        default -> dump.append("(").append(commands.type(key)).append(")");
                    }
                    dump.append('\n');
                }
                cursor = page;
            } while (!cursor.isFinished());
        });
        return dump.toString();
    }
}
