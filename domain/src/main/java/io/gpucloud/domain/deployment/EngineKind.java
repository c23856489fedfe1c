package io.gpucloud.domain.deployment;

import java.util.Locale;
import java.util.Optional;

/** Which engine serves a deployment. */
public enum EngineKind {
    SIMULATED, OPENAI, QUEUE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<EngineKind> parse(String text) {
        for (EngineKind kind : values()) {
            if (kind.wireName().equals(text)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
