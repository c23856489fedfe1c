package io.gpucloud.domain.health;

import java.util.Locale;

/** A dependency's state as {@code /health} reports it; DISABLED (not configured) does not degrade. */
public enum ServiceState {
    UP, DOWN, DISABLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
