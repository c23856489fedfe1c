package io.gpucloud.domain.deployment;

import java.util.Optional;
import java.util.UUID;

/** Opaque identifier of a deployment. */
public record DeploymentId(UUID value) {
    public DeploymentId {
        if (value == null) {
            throw new IllegalArgumentException("deployment id is required");
        }
    }

    public static DeploymentId random() {
        return new DeploymentId(UUID.randomUUID());
    }

    public static Optional<DeploymentId> parse(String text) {
        if (text == null || text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DeploymentId(UUID.fromString(text)));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
