package io.gpucloud.adapters.http.apikey;

import com.fasterxml.jackson.core.JsonGenerator;
import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.Limits;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The admin API's key object. The secret appears only in {@link #issued} (the one answer to its
 * creation); the hash never.
 */
final class KeyJson {
    private KeyJson() {
    }

    static byte[] issued(IssueKeyUseCase.IssuedKey issued, Instant now) {
        return Json.write(json -> {
            json.writeStartObject();
            fields(json, issued.key(), now, issued.secret().reveal());
            json.writeEndObject();
        });
    }

    static byte[] one(ApiKey key, Instant now) {
        return Json.write(json -> {
            json.writeStartObject();
            fields(json, key, now, null);
            json.writeEndObject();
        });
    }

    static byte[] list(List<ApiKey> keys, Instant now) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("keys");
            for (ApiKey key : keys) {
                json.writeStartObject();
                fields(json, key, now, null);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void fields(JsonGenerator json, ApiKey key, Instant now, String secret) throws IOException {
        Limits limits = key.limits();
        json.writeStringField("id", key.id().toString());
        json.writeStringField("name", key.name());
        if (secret != null) {
            json.writeStringField("key", secret);
        }
        json.writeStringField("prefix", key.prefix());
        json.writeStringField("status", status(key, now));
        json.writeStringField("createdAt", Json.timestamp(key.createdAt()));
        Json.timestampField(json, "lastUsedAt", key.lastUsedAt());
        json.writeNumberField("usageCount", key.usageCount());
        Json.numberField(json, "rpm", limits.requestsPerMinute());
        Json.numberField(json, "tpm", limits.tokensPerMinute());
        Json.numberField(json, "monthlyTokenBudget", limits.monthlyTokenBudget());
        Json.numberField(json, "maxConcurrent", limits.maxConcurrent().isPresent()
                ? OptionalLong.of(limits.maxConcurrent().getAsInt()) : OptionalLong.empty());
        json.writeArrayFieldStart("models");
        for (String model : new TreeSet<>(limits.models())) {
            json.writeString(model);
        }
        json.writeEndArray();
        Json.timestampField(json, "expiresAt", limits.expiresAt());
        Json.timestampField(json, "revokedAt", key.revokedAt());
    }

    private static String status(ApiKey key, Instant now) {
        if (key.isRevoked()) {
            return "revoked";
        }
        return key.limits().isExpiredAt(now) ? "expired" : "active";
    }
}
