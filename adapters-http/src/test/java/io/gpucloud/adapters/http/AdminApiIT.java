package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static io.gpucloud.adapters.http.TestServer.ADMIN_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API's shapes, validation and authentication. */
class AdminApiIT {
    private static final Set<String> KEY_FIELDS = Set.of("id", "name", "prefix", "status", "createdAt", "lastUsedAt",
            "usageCount", "rpm", "tpm", "monthlyTokenBudget", "maxConcurrent", "models", "expiresAt", "revokedAt");
    private static TestServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        http = server.http;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void issueKey_withLimits_returnsTheKeyOnceAndEveryFieldAfterwards() {
        String expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        HttpResponse<String> created = http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"Limited\",\"rpm\":60,\"tpm\":10000,"
                + "\"monthlyTokenBudget\":1000000,\"maxConcurrent\":4,\"models\":[\"gpt-4o\",\"gpt-4\"],\"expiresAt\":\"" + expires + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode key = Http.json(created);
        Set<String> expected = new HashSet<>(KEY_FIELDS);
        expected.add("key");
        assertEquals(expected, fieldNames(key));
        assertTrue(key.get("key").asText().startsWith(key.get("prefix").asText()));
        assertEquals(60, key.get("rpm").asLong());
        assertEquals(10_000, key.get("tpm").asLong());
        assertEquals(1_000_000, key.get("monthlyTokenBudget").asLong());
        assertEquals(4, key.get("maxConcurrent").asInt());
        assertEquals(List.of("gpt-4", "gpt-4o"), StreamSupport.stream(key.get("models").spliterator(), false).map(JsonNode::asText).toList());
        assertEquals(Instant.parse(expires), Instant.parse(key.get("expiresAt").asText()));
        assertEquals("active", key.get("status").asText());
        assertTrue(key.get("lastUsedAt").isNull());
        assertTrue(key.get("revokedAt").isNull());
        assertEquals(0, key.get("usageCount").asLong());
        Instant.parse(key.get("createdAt").asText());

        JsonNode fetched = Http.json(http.get("/api/keys/" + key.get("id").asText(), ADMIN_TOKEN));
        assertEquals(KEY_FIELDS, fieldNames(fetched));
        assertEquals(key.get("prefix"), fetched.get("prefix"));

        String secret = key.get("key").asText();
        HttpResponse<String> notAllowed = http.post("/v1/chat/completions", secret, Http.chat("mistral-7b", "hi"));
        assertEquals(404, notAllowed.statusCode(), "a model the key may not use looks unknown");
        JsonNode models = Http.json(http.get("/v1/models", secret));
        assertEquals(2, models.get("data").size());
    }

    @Test
    void issueKey_withoutLimits_hasNullLimits() {
        JsonNode key = Http.json(http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"Plain\"}"));
        assertTrue(key.get("rpm").isNull());
        assertTrue(key.get("tpm").isNull());
        assertTrue(key.get("monthlyTokenBudget").isNull());
        assertTrue(key.get("maxConcurrent").isNull());
        assertTrue(key.get("expiresAt").isNull());
        assertEquals(0, key.get("models").size());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no name|{}|missing_required_parameter|name",
            "blank name|{\"name\":\"  \"}|invalid_value|name",
            "name a number|{\"name\":5}|invalid_type|name",
            "rpm zero|{\"name\":\"a\",\"rpm\":0}|integer_below_min_value|rpm",
            "rpm a string|{\"name\":\"a\",\"rpm\":\"60\"}|invalid_type|rpm",
            "models not strings|{\"name\":\"a\",\"models\":[1]}|invalid_type|models[0]",
            "expiresAt not ISO|{\"name\":\"a\",\"expiresAt\":\"tomorrow\"}|invalid_value|expiresAt",
            "expiresAt past|{\"name\":\"a\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}|invalid_value|expiresAt",
            "typo in a limit|{\"name\":\"a\",\"rpmLimit\":5}|unknown_parameter|rpmLimit",
            "not JSON|{name|invalid_json|",
    })
    void issueKey_withBadBody_is400(String ignoredCase, String body, String code, String param) {
        HttpResponse<String> response = http.post("/api/keys", ADMIN_TOKEN, body);
        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = Http.json(response).get("error");
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(code, error.get("code").asText());
        assertEquals(param == null ? "null" : param, error.get("param").asText());
    }

    @Test
    void getAndRevoke_unknownOrMalformedIds_are404() {
        for (String id : List.of(UUID.randomUUID().toString(), "not-a-uuid", "%20", "1' OR '1'='1")) {
            String path = "/api/keys/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
            HttpResponse<String> get = http.get(path, ADMIN_TOKEN);
            assertEquals(404, get.statusCode(), id + ": " + get.body());
            assertEquals("api_key_not_found", Http.json(get).get("error").get("code").asText());
            assertEquals(404, http.delete(path, ADMIN_TOKEN).statusCode());
        }
    }

    @Test
    void revoke_showsRevokedAndIsIdempotent() {
        JsonNode key = Http.json(http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"Doomed\"}"));
        String id = key.get("id").asText();
        assertEquals(204, http.delete("/api/keys/" + id, ADMIN_TOKEN).statusCode());
        assertEquals(204, http.delete("/api/keys/" + id, ADMIN_TOKEN).statusCode());
        JsonNode revoked = Http.json(http.get("/api/keys/" + id, ADMIN_TOKEN));
        assertEquals("revoked", revoked.get("status").asText());
        assertFalse(revoked.get("revokedAt").isNull());
    }

    @Test
    void adminRoutes_withoutOrWithAWrongToken_are401InvalidAdminToken() {
        String apiKey = server.newKey();
        for (String token : new String[] {null, "wrong-admin-token-000000", apiKey}) {
            HttpResponse<String> response = http.get("/api/keys", token);
            assertEquals(401, response.statusCode());
            JsonNode error = Http.json(response).get("error");
            assertEquals("invalid_request_error", error.get("type").asText());
            assertEquals("invalid_admin_token", error.get("code").asText());
        }
        assertEquals(401, http.get("/api/keys?token=" + ADMIN_TOKEN, null).statusCode());
        HttpResponse<String> adminOnV1 = http.get("/v1/models", ADMIN_TOKEN);
        assertEquals(401, adminOnV1.statusCode());
        assertEquals("invalid_api_key", Http.json(adminOnV1).get("error").get("code").asText());
    }

    @Test
    void usageMetrics_validatesHoursAndKey() {
        assertEquals(168, Http.json(http.get("/api/metrics?hours=168", ADMIN_TOKEN)).get("timeSeries").size());
        assertEquals(24, Http.json(http.get("/api/metrics?apiKeyId=&hours=24", ADMIN_TOKEN)).get("timeSeries").size());
        assertEquals(24, Http.json(http.get("/api/metrics", ADMIN_TOKEN)).get("timeSeries").size());
        for (String hours : List.of("0", "169", "-1", "abc", "1.5")) {
            HttpResponse<String> response = http.get("/api/metrics?hours=" + hours, ADMIN_TOKEN);
            assertEquals(400, response.statusCode(), hours);
            assertEquals("hours", Http.json(response).get("error").get("param").asText());
        }
        assertEquals(404, http.get("/api/metrics?apiKeyId=nope", ADMIN_TOKEN).statusCode());
        assertEquals(404, http.get("/api/metrics?apiKeyId=" + UUID.randomUUID(), ADMIN_TOKEN).statusCode());
    }

    @Test
    void usageMetrics_forOneKey_countsItsCallsInTheCurrentHour() {
        JsonNode key = Http.json(http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"Metered\"}"));
        String secret = key.get("key").asText();
        assertEquals(200, http.post("/v1/chat/completions", secret, Http.chat("gpt-4", "one")).statusCode());
        assertEquals(200, http.post("/v1/chat/completions", secret, Http.chat("gpt-4", "two")).statusCode());
        assertEquals(404, http.post("/v1/chat/completions", secret, Http.chat("nope", "three")).statusCode());
        JsonNode metrics = Polling.until(() -> Http.json(http.get("/api/metrics?hours=1&apiKeyId=" + key.get("id").asText(),
                ADMIN_TOKEN)), m -> m.get("summary").get("totalRequests").asLong() == 2, "two metered calls");
        JsonNode hour = metrics.get("timeSeries").get(0);
        assertEquals(2, hour.get("requestCount").asLong());
        assertEquals(metrics.get("summary").get("totalTokens").asLong(), hour.get("tokenCount").asLong());
        assertTrue(hour.get("timestamp").asText().endsWith(":00:00Z"), hour.toString());
        assertTrue(metrics.get("summary").get("avgLatencyMs").isNumber());
    }

    @Test
    void deployments_createListDelete() {
        HttpResponse<String> created = http.post("/api/deployments", ADMIN_TOKEN,
                "{\"name\":\"vllm-a\",\"modelType\":\"llama-3-70b\",\"engine\":\"openai\",\"endpoints\":[\"http://gpu-node:8000/v1\"],"
                        + "\"upstreamModel\":\"meta-llama/Llama-3-70b\",\"upstreamApiKeyEnv\":\"VLLM_API_KEY\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode deployment = Http.json(created);
        assertEquals(Set.of("id", "name", "modelType", "engine", "endpoints", "upstreamModel", "upstreamApiKeyEnv", "status",
                "reason", "createdAt", "updatedAt"), fieldNames(deployment));
        assertEquals("provisioning", deployment.get("status").asText());
        assertEquals("openai", deployment.get("engine").asText());
        assertEquals("http://gpu-node:8000/v1", deployment.get("endpoints").get(0).asText());
        assertTrue(deployment.get("reason").isNull());

        JsonNode simulated = Http.json(http.post("/api/deployments", ADMIN_TOKEN, "{\"name\":\"sim\",\"modelType\":\"tiny\"}"));
        assertEquals("simulated", simulated.get("engine").asText());
        assertTrue(simulated.get("upstreamModel").isNull());

        JsonNode listed = Http.json(http.get("/api/deployments", ADMIN_TOKEN));
        assertEquals(2, listed.get("deployments").size());
        String id = deployment.get("id").asText();
        assertEquals(204, http.delete("/api/deployments/" + id, ADMIN_TOKEN).statusCode());
        assertEquals(404, http.delete("/api/deployments/" + id, ADMIN_TOKEN).statusCode());
        assertEquals(404, http.delete("/api/deployments/garbage", ADMIN_TOKEN).statusCode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no modelType|{\"name\":\"a\"}|modelType",
            "unknown engine|{\"name\":\"a\",\"modelType\":\"m\",\"engine\":\"tpu\"}|engine",
            "bad endpoint|{\"name\":\"a\",\"modelType\":\"m\",\"engine\":\"openai\",\"endpoints\":[\"ftp://x\"]}|endpoints[0]",
            "openai without endpoints|{\"name\":\"a\",\"modelType\":\"m\",\"engine\":\"openai\"}|",
            "bad env name|{\"name\":\"a\",\"modelType\":\"m\",\"upstreamApiKeyEnv\":\"lower case\"}|",
    })
    void createDeployment_withBadBody_is400(String ignoredCase, String body, String param) {
        HttpResponse<String> response = http.post("/api/deployments", ADMIN_TOKEN, body);
        assertEquals(400, response.statusCode(), response.body());
        assertEquals(param == null ? "null" : param, Http.json(response).get("error").get("param").asText());
    }
}
