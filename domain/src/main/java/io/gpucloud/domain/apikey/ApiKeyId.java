package io.gpucloud.domain.apikey;

import java.util.Optional;
import java.util.UUID;

/** Opaque identifier of an API key (a UUID in text form). */
public record ApiKeyId(UUID value) {
    public ApiKeyId {
        if (value == null) {
            throw new IllegalArgumentException("api key id is required");
        }
    }

    public static ApiKeyId random() {
        return new ApiKeyId(UUID.randomUUID());
    }

    /** Parses an id from untrusted text; empty when it is not a well-formed id. */
    public static Optional<ApiKeyId> parse(String text) {
        if (text == null || text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ApiKeyId(UUID.fromString(text)));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
