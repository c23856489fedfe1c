package io.gpucloud.domain.apikey;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What one key may do. Absent means unlimited.
 *
 * @param requestsPerMinute  rpm over a sliding 60 s window
 * @param tokensPerMinute    tpm (prompt + completion) over a sliding 60 s window
 * @param monthlyTokenBudget tokens per calendar month, UTC
 * @param maxConcurrent      requests in flight at once, streams included
 * @param models             allowed public model names; empty means every model
 * @param expiresAt          after this instant the key is refused
 */
public record Limits(
        OptionalLong requestsPerMinute,
        OptionalLong tokensPerMinute,
        OptionalLong monthlyTokenBudget,
        OptionalInt maxConcurrent,
        Set<String> models,
        Optional<Instant> expiresAt) {

    public Limits {
        positive("rpm", requestsPerMinute);
        positive("tpm", tokensPerMinute);
        positive("monthlyTokenBudget", monthlyTokenBudget);
        if (maxConcurrent == null || (maxConcurrent.isPresent() && maxConcurrent.getAsInt() <= 0)) {
            throw new IllegalArgumentException("maxConcurrent must be a positive integer");
        }
        models = Set.copyOf(models);
        for (String model : models) {
            if (model.isBlank() || model.length() > 200) {
                throw new IllegalArgumentException("model names must be 1-200 characters");
            }
        }
        if (expiresAt == null) {
            throw new IllegalArgumentException("expiresAt must be present or empty");
        }
    }

    public static Limits none() {
        return new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalInt.empty(), Set.of(), Optional.empty());
    }

    public boolean allowsModel(String model) {
        return models.isEmpty() || models.contains(model);
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt.map(expiry -> !now.isBefore(expiry)).orElse(false);
    }

    private static void positive(String name, OptionalLong value) {
        if (value == null || (value.isPresent() && value.getAsLong() <= 0)) {
            throw new IllegalArgumentException(name + " must be a positive integer");
        }
    }
}
