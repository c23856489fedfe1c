package io.gpucloud.domain.apikey;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An issued API key. Holds the secret's hash and display prefix, never the secret.
 * {@code usageCount} and {@code lastUsedAt} are maintained by the usage ledger.
 */
public final class ApiKey {
    private final ApiKeyId id;
    private final String name;
    private final KeyHash hash;
    private final String prefix;
    private final Limits limits;
    private final Instant createdAt;
    private final Optional<Instant> revokedAt;
    private final Optional<Instant> lastUsedAt;
    private final long usageCount;

    private ApiKey(ApiKeyId id, String name, KeyHash hash, String prefix, Limits limits, Instant createdAt,
                   Optional<Instant> revokedAt, Optional<Instant> lastUsedAt, long usageCount) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = validName(name);
        this.hash = Objects.requireNonNull(hash, "hash");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.revokedAt = Objects.requireNonNull(revokedAt, "revokedAt");
        this.lastUsedAt = Objects.requireNonNull(lastUsedAt, "lastUsedAt");
        if (usageCount < 0) {
            throw new IllegalArgumentException("usageCount must not be negative");
        }
        this.usageCount = usageCount;
    }

    /** A new key for {@code secret}; the caller shows the secret once and keeps only this. */
    public static ApiKey issue(ApiKeyId id, String name, KeySecret secret, Limits limits, Instant now) {
        return new ApiKey(id, name, secret.hash(), secret.displayPrefix(), limits, now,
                Optional.empty(), Optional.empty(), 0);
    }

    /** Rebuilds a key from storage. */
    public static ApiKey restore(ApiKeyId id, String name, KeyHash hash, String prefix, Limits limits,
                                 Instant createdAt, Optional<Instant> revokedAt, Optional<Instant> lastUsedAt,
                                 long usageCount) {
        return new ApiKey(id, name, hash, prefix, limits, createdAt, revokedAt, lastUsedAt, usageCount);
    }

    public static String validName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        if (name.length() > 200) {
            throw new IllegalArgumentException("name must be at most 200 characters");
        }
        return name.strip();
    }

    public ApiKey revoke(Instant now) {
        if (revokedAt.isPresent()) {
            return this;
        }
        return new ApiKey(id, name, hash, prefix, limits, createdAt, Optional.of(now), lastUsedAt, usageCount);
    }

    public ApiKey withUse(Instant usedAt, long uses) {
        Instant last = lastUsedAt.filter(previous -> previous.isAfter(usedAt)).orElse(usedAt);
        return new ApiKey(id, name, hash, prefix, limits, createdAt, revokedAt, Optional.of(last), usageCount + uses);
    }

    public boolean isRevoked() {
        return revokedAt.isPresent();
    }

    /** Usable now: not revoked and not expired. */
    public boolean isActiveAt(Instant now) {
        return !isRevoked() && !limits.isExpiredAt(now);
    }

    public ApiKeyId id() { return id; }
    public String name() { return name; }
    public KeyHash hash() { return hash; }
    public String prefix() { return prefix; }
    public Limits limits() { return limits; }
    public Instant createdAt() { return createdAt; }
    public Optional<Instant> revokedAt() { return revokedAt; }
    public Optional<Instant> lastUsedAt() { return lastUsedAt; }
    public long usageCount() { return usageCount; }

    @Override
    public String toString() {
        return "ApiKey[" + id + ", " + prefix + "…]";
    }
}
