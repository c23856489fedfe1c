package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.adapters.http.wire.JsonFields;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.domain.apikey.Limits;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/** The body of {@code POST /api/keys}: {@code name} plus optional limits; unknown fields are refused (a typo must not mean "unlimited"). */
final class IssueKeyRequest {
    static final int MAX_MODELS = 1000;
    private static final Set<String> FIELDS = Set.of("name", "rpm", "tpm", "monthlyTokenBudget", "maxConcurrent", "models",
            "expiresAt");

    private IssueKeyRequest() {
    }

    static IssueKeyUseCase.Command parse(byte[] body, Instant now) {
        JsonFields fields = JsonFields.root(Json.parse(body));
        fields.rejectUnknown(FIELDS);
        String name = fields.requiredString("name").strip();
        if (name.isEmpty() || name.length() > 200) {
            throw JsonFields.invalidValue("name", "expected 1-200 characters.");
        }
        OptionalLong rpm = fields.optionalInteger("rpm", 1, Long.MAX_VALUE);
        OptionalLong tpm = fields.optionalInteger("tpm", 1, Long.MAX_VALUE);
        OptionalLong budget = fields.optionalInteger("monthlyTokenBudget", 1, Long.MAX_VALUE);
        OptionalLong maxConcurrent = fields.optionalInteger("maxConcurrent", 1, 1_000_000);
        List<String> models = fields.optionalStringList("models", MAX_MODELS).orElse(List.of());
        for (int i = 0; i < models.size(); i++) {
            if (models.get(i).isBlank() || models.get(i).length() > 200) {
                throw JsonFields.invalidValue("models[" + i + "]", "model names are 1-200 characters.");
            }
        }
        Optional<Instant> expiresAt = fields.optionalInstant("expiresAt");
        if (expiresAt.isPresent() && !expiresAt.get().isAfter(now)) {
            throw JsonFields.invalidValue("expiresAt", "must be in the future.");
        }
        Limits limits = new Limits(rpm, tpm, budget,
                maxConcurrent.isPresent() ? OptionalInt.of((int) maxConcurrent.getAsLong()) : OptionalInt.empty(),
                Set.copyOf(models), expiresAt);
        return new IssueKeyUseCase.Command(name, limits);
    }
}
