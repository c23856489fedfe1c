package io.gpucloud.cli;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.Limits;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** Renders keys for people (a table) and for scripts (JSON), without secrets or hashes. */
final class KeyListing {
    private KeyListing() {
    }

    static String table(List<ApiKey> keys, Instant now) {
        if (keys.isEmpty()) {
            return "No keys yet. Create one with: gpucloud keys create --name NAME\n";
        }
        StringBuilder out = new StringBuilder(String.format("%-36s  %-20s  %-12s  %-8s  %-20s  %8s  %s%n",
                "ID", "NAME", "PREFIX", "STATUS", "CREATED", "REQUESTS", "LIMITS"));
        for (ApiKey key : keys) {
            out.append(String.format("%-36s  %-20s  %-12s  %-8s  %-20s  %8d  %s%n", key.id(), truncate(key.name(), 20),
                    key.prefix(), status(key, now), key.createdAt().toString().substring(0, 19) + "Z", key.usageCount(),
                    limits(key.limits())));
        }
        return out.toString();
    }

    static String json(List<ApiKey> keys, Instant now) {
        return keys.stream().map(key -> "{" + String.join(",",
                        field("id", key.id().toString()), field("name", key.name()), field("prefix", key.prefix()),
                        field("status", status(key, now)), field("createdAt", key.createdAt().toString()),
                        "\"lastUsedAt\":" + key.lastUsedAt().map(at -> quote(at.toString())).orElse("null"),
                        "\"usageCount\":" + key.usageCount(),
                        "\"rpm\":" + number(key.limits().requestsPerMinute()),
                        "\"tpm\":" + number(key.limits().tokensPerMinute()),
                        "\"monthlyTokenBudget\":" + number(key.limits().monthlyTokenBudget()),
                        "\"models\":[" + key.limits().models().stream().sorted().map(KeyListing::quote).collect(Collectors.joining(",")) + "]",
                        "\"expiresAt\":" + key.limits().expiresAt().map(at -> quote(at.toString())).orElse("null")) + "}")
                .collect(Collectors.joining(",", "[", "]\n"));
    }

    static String status(ApiKey key, Instant now) {
        if (key.isRevoked()) {
            return "revoked";
        }
        return key.limits().isExpiredAt(now) ? "expired" : "active";
    }

    private static String limits(Limits limits) {
        StringBuilder text = new StringBuilder();
        limits.requestsPerMinute().ifPresent(rpm -> text.append("rpm=").append(rpm).append(' '));
        limits.tokensPerMinute().ifPresent(tpm -> text.append("tpm=").append(tpm).append(' '));
        limits.monthlyTokenBudget().ifPresent(budget -> text.append("budget=").append(budget).append(' '));
        limits.maxConcurrent().ifPresent(concurrent -> text.append("concurrent=").append(concurrent).append(' '));
        if (!limits.models().isEmpty()) {
            text.append("models=").append(String.join(",", limits.models().stream().sorted().toList())).append(' ');
        }
        limits.expiresAt().ifPresent(at -> text.append("expires=").append(at).append(' '));
        return text.isEmpty() ? "-" : text.toString().strip();
    }

    private static String truncate(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }

    private static String number(OptionalLong value) {
        return value.isPresent() ? Long.toString(value.getAsLong()) : "null";
    }

    private static String field(String name, String value) {
        return quote(name) + ":" + quote(value);
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
