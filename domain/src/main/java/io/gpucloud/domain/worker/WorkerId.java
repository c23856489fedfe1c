package io.gpucloud.domain.worker;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** Identifies one worker process for as long as it runs (a restarted worker is a new one). */
public record WorkerId(String value) {
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public WorkerId {
        if (value == null || !WELL_FORMED.matcher(value).matches()) {
            throw new IllegalArgumentException("worker id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
    }

    /** {@code <host>-<8 random hex>}, the host reduced to the characters an id may hold. */
    public static WorkerId random(String host) {
        String safe = host == null ? "" : host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        if (safe.isEmpty()) {
            safe = "worker";
        }
        if (safe.length() > 100) {
            safe = safe.substring(0, 100);
        }
        return new WorkerId(safe + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Override
    public String toString() {
        return value;
    }
}
