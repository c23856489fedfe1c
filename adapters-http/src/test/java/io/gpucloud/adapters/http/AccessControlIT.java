package io.gpucloud.adapters.http;

import io.gpucloud.application.apikey.AuthenticateKeyService;
import io.gpucloud.application.apikey.AuthenticateKeyUseCase;
import io.gpucloud.application.apikey.CountingApiKeyStore;
import io.gpucloud.application.apikey.LocalKeyChangeBroadcast;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, items 2–4 over HTTP: wrong-checksum keys never reach the key store; unknown, revoked, expired (and
 * missing, malformed) keys all get one byte-identical answer; data-plane keys and tokens in query strings open no
 * admin route; and nothing a client sends raises its own limits.
 */
class AccessControlIT {
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static volatile CountingApiKeyStore counting;
    /** Authenticates through a counting store in front of its own key store, without a cache. */
    private static TestServer counted;
    /** Wired as bootstrap wires a single node. */
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        counted = TestServer.withUseCases(useCases -> replaceAuthentication(useCases, new AuthenticateKeyService(
                new ForwardingStore() {
                    @Override
                    protected io.gpucloud.domain.apikey.ApiKeyStore target() {
                        return counting;
                    }
                }, new LocalKeyChangeBroadcast(), Clock.systemUTC(), Duration.ZERO, 0)));
        counting = new CountingApiKeyStore(counted.keys);
    }

    @AfterAll
    static void stop() {
        server.close();
        counted.close();
    }

    /** Copies the UseCases record with its authentication replaced (robust to components added later). */
    static UseCases replaceAuthentication(UseCases useCases, AuthenticateKeyUseCase replacement) {
        try {
            RecordComponent[] components = UseCases.class.getRecordComponents();
            Object[] values = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = types[i] == AuthenticateKeyUseCase.class ? replacement : components[i].getAccessor().invoke(useCases);
            }
            return UseCases.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static String wrongChecksumKey() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            StringBuilder key = new StringBuilder(KeySecret.PREFIX);
            for (int i = KeySecret.PREFIX.length(); i < KeySecret.LENGTH; i++) {
                key.append(BASE62.charAt(random.nextInt(BASE62.length())));
            }
            if (KeySecret.parse(key.toString()).isEmpty()) {
                return key.toString();
            }
        }
    }

    // ---- item 2 ----------------------------------------------------------------------------------------------

    @Test
    void wrongChecksumKeys_overHttp_areAll401_andTheKeyStoreIsNeverAsked() throws Exception {
        int requests = Integer.getInteger("gpucloud.chaos.wrongChecksumHttp", 3_000);
        long before = counting.lookups();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(clients.submit(() -> {
                    int sent = 0;
                    for (int i = 0; i < requests / 4 && System.nanoTime() < deadline; i++) {
                        String path = i % 2 == 0 ? "/v1/chat/completions" : "/v1/models";
                        HttpResponse<String> response = i % 2 == 0
                                ? counted.http.post(path, wrongChecksumKey(), Http.chat("gpt-4", "hi"))
                                : counted.http.get(path, wrongChecksumKey());
                        assertEquals(401, response.statusCode(), response.body());
                        sent++;
                    }
                    return sent;
                }));
            }
            int sent = 0;
            for (Future<Integer> worker : workers) {
                sent += worker.get();
            }
            assertTrue(sent >= Math.min(requests, 500), "only " + sent + " requests in the time box");
        }
        assertEquals(before, counting.lookups(), "a key with a wrong checksum reached the key store");
        // Sanity: the counter does see real lookups.
        assertEquals(200, counted.http.get("/v1/models", counted.newKey()).statusCode());
        assertEquals(before + 1, counting.lookups());
    }

    // ---- item 3 ----------------------------------------------------------------------------------------------

    private record Answer(int status, String body, Map<String, String> headers) {
    }

    private static Answer answer(HttpResponse<String> response) {
        Map<String, String> headers = new TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("x-request-id") && !name.equalsIgnoreCase("date")) {
                headers.put(name.toLowerCase(), String.join(",", values));
            }
        });
        return new Answer(response.statusCode(), response.body(), headers);
    }

    @Test
    void unknownRevokedExpiredMissingAndMalformedKeys_getTheSameStatusHeadersAndBody() {
        String revoked = server.newKey();
        String expiring = server.newKey(new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalInt.empty(), Set.of(), Optional.of(Instant.now().plusMillis(1_500))));
        // Both used once first, so the refusals below come from the cache as well as from storage.
        assertEquals(200, server.http.get("/v1/models", revoked).statusCode());
        assertEquals(200, server.http.get("/v1/models", expiring).statusCode());
        String revokedId = server.keys.list().stream().filter(key -> key.prefix().equals(revoked.substring(0, key.prefix().length())))
                .findFirst().orElseThrow().id().value().toString();
        assertEquals(204, server.http.delete("/api/keys/" + revokedId, TestServer.ADMIN_TOKEN).statusCode());
        Polling.until(() -> server.http.get("/v1/models", expiring).statusCode(), status -> status == 401, "the key expired");

        Map<String, String> keys = new java.util.LinkedHashMap<>();
        keys.put("unknown", KeySecret.generate().reveal());
        keys.put("revoked", revoked);
        keys.put("expired", expiring);
        keys.put("wrong checksum", wrongChecksumKey());
        keys.put("truncated", revoked.substring(0, 30));
        keys.put("not a key", "hello");
        keys.put("missing", null);
        for (String path : List.of("/v1/models", "/v1/chat/completions")) {
            Map<String, Answer> answers = new java.util.LinkedHashMap<>();
            keys.forEach((kind, key) -> answers.put(kind, answer(path.endsWith("models")
                    ? server.http.get(path, key) : server.http.post(path, key, Http.chat("gpt-4", "hi")))));
            Answer first = answers.get("unknown");
            assertEquals(401, first.status());
            assertTrue(first.body().contains("\"code\":\"invalid_api_key\""), first.body());
            answers.forEach((kind, answer) -> assertEquals(first, answer, kind + " differs from unknown on " + path));
        }
    }

    // ---- item 4 ----------------------------------------------------------------------------------------------

    private static final List<String[]> ADMIN_ROUTES = List.of(
            new String[] {"POST", "/api/keys", "{\"name\":\"sneaky\",\"rpm\":1}"},
            new String[] {"GET", "/api/keys", null},
            new String[] {"GET", "/api/keys/00000000-0000-0000-0000-000000000001", null},
            new String[] {"DELETE", "/api/keys/00000000-0000-0000-0000-000000000001", null},
            new String[] {"GET", "/api/metrics", null},
            new String[] {"GET", "/api/metrics?hours=24", null},
            new String[] {"POST", "/api/deployments", "{\"name\":\"x\",\"modelType\":\"x\"}"},
            new String[] {"GET", "/api/deployments", null},
            new String[] {"DELETE", "/api/deployments/00000000-0000-0000-0000-000000000001", null},
            new String[] {"GET", "/api/workers", null});

    /** Every admin route that Routes registers is in {@link #ADMIN_ROUTES}: a new one cannot slip past this test. */
    @Test
    void everyAdminRouteOfRoutes_isCoveredHere() throws java.io.IOException {
        String routes = java.nio.file.Files.readString(java.nio.file.Path.of("src/main/java/io/gpucloud/adapters/http/Routes.java"));
        java.util.regex.Matcher route = java.util.regex.Pattern.compile("\\.route\\(Methods\\.(\\w+), \"(/api[^\"]*)\"").matcher(routes);
        Set<String> registered = new java.util.TreeSet<>();
        while (route.find()) {
            registered.add(route.group(1) + " " + route.group(2));
        }
        Set<String> covered = new java.util.TreeSet<>();
        for (String[] admin : ADMIN_ROUTES) {
            covered.add(admin[0] + " " + admin[1].replaceAll("\\?.*", "").replaceAll("/[0-9a-f-]{36}$", "/{id}"));
        }
        assertFalse(registered.isEmpty());
        assertEquals(registered, covered, "admin routes in Routes vs. the ones this test refuses data-plane keys on");
    }

    private static HttpResponse<String> call(String method, String path, String body, String bearer, Map<String, String> headers) {
        HttpRequest.Builder request = Http.authorized(server.http.request(path), bearer);
        headers.forEach(request::header);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return server.http.send(request);
    }

    private static void assertInvalidAdminToken(HttpResponse<String> response, String what) {
        assertEquals(401, response.statusCode(), what + ": " + response.body());
        assertEquals("invalid_admin_token", Http.json(response).get("error").get("code").asText(), what);
    }

    @Test
    void dataPlaneKeys_areRefusedOnEveryAdminRoute() {
        String key = server.newKey();
        assertEquals(200, server.http.get("/v1/models", key).statusCode());
        int keysBefore = server.keys.list().size();
        for (String[] route : ADMIN_ROUTES) {
            String what = route[0] + " " + route[1];
            assertInvalidAdminToken(call(route[0], route[1], route[2], key, Map.of()), what + " with an API key");
            assertInvalidAdminToken(call(route[0], route[1], route[2], null, Map.of("x-api-key", key)), what + " with x-api-key");
            assertInvalidAdminToken(call(route[0], route[1], route[2], null, Map.of("api-key", key)), what + " with api-key");
            // The route exists: the admin token gets past authentication.
            assertNotEquals(401, call(route[0], route[1], route[2], TestServer.ADMIN_TOKEN, Map.of()).statusCode(), what);
        }
        // The admin token is no API key either.
        assertEquals(401, server.http.get("/v1/models", TestServer.ADMIN_TOKEN).statusCode());
        assertEquals(401, server.http.post("/v1/chat/completions", TestServer.ADMIN_TOKEN, Http.chat("gpt-4", "hi")).statusCode());
        // Only the admin's own POST above created a key.
        assertEquals(keysBefore + 1, server.keys.list().size());
    }

    @Test
    void adminRoutes_rejectTokensInTheQueryString() {
        for (String parameter : List.of("api_key", "token", "access_token", "admin_token", "key", "authorization", "bearer")) {
            for (String[] route : ADMIN_ROUTES) {
                String separator = route[1].contains("?") ? "&" : "?";
                String path = route[1] + separator + parameter + "=" + TestServer.ADMIN_TOKEN;
                assertInvalidAdminToken(call(route[0], path, route[2], null, Map.of()), route[0] + " " + path);
            }
        }
        String path = "/api/keys?authorization=Bearer%20" + TestServer.ADMIN_TOKEN;
        assertInvalidAdminToken(call("GET", path, null, null, Map.of()), path);
        // A cookie is not a credential here either.
        assertInvalidAdminToken(call("GET", "/api/keys", null, null, Map.of("Cookie", "token=" + TestServer.ADMIN_TOKEN)), "cookie");
    }

    @Test
    void fieldsAndHeadersAClientSends_doNotRaiseItsLimits() {
        String key = server.newKey(new Limits(OptionalLong.of(3), OptionalLong.empty(), OptionalLong.empty(),
                OptionalInt.empty(), Set.of(), Optional.empty()));
        String sneaky = "{\"model\":\"gpt-4\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"rpm\":100000,\"tpm\":100000000,\"limits\":{\"rpm\":100000},\"maxConcurrent\":100,"
                + "\"monthlyTokenBudget\":999999999,\"x-ratelimit-limit-requests\":100000,\"tier\":\"enterprise\","
                + "\"metadata\":{\"rpm\":100000,\"admin\":true},\"user\":\"%s\"}";
        Map<String, String> headers = Map.of("x-ratelimit-limit-requests", "100000", "x-ratelimit-remaining-requests", "99999",
                "OpenAI-Organization", "org-admin", "X-Forwarded-For", "10.0.0.1", "x-api-key", TestServer.ADMIN_TOKEN,
                "x-admin-token", TestServer.ADMIN_TOKEN);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = call("POST", "/v1/chat/completions?rpm=100000&api_key=" + TestServer.ADMIN_TOKEN,
                    sneaky.formatted("user-" + i), key, headers);
            statuses.add(response.statusCode());
            if (response.statusCode() == 200) {
                assertEquals("3", response.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
            }
        }
        assertEquals(List.of(200, 200, 200, 429, 429, 429), statuses, "the key's rpm of 3, whatever the client says");
        // And the key itself still has its rpm of 3.
        assertTrue(server.keys.list().stream().filter(stored -> key.startsWith(stored.prefix()))
                .allMatch(stored -> stored.limits().requestsPerMinute().equals(OptionalLong.of(3))));
    }
}
