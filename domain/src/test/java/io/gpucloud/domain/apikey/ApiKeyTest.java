package io.gpucloud.domain.apikey;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeyTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void revoke_keepsTheFirstRevocationInstant() {
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "team", KeySecret.generate(), Limits.none(), NOW);
        ApiKey revoked = key.revoke(NOW.plusSeconds(5)).revoke(NOW.plusSeconds(50));
        assertEquals(Optional.of(NOW.plusSeconds(5)), revoked.revokedAt());
        assertFalse(revoked.isActiveAt(NOW.plusSeconds(60)));
    }

    @Test
    void isActiveAt_afterExpiry_isFalse() {
        Limits expiring = new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(),
                Set.of(), Optional.of(NOW.plusSeconds(10)));
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "team", KeySecret.generate(), expiring, NOW);
        assertTrue(key.isActiveAt(NOW.plusSeconds(9)));
        assertFalse(key.isActiveAt(NOW.plusSeconds(10)));
    }

    @Test
    void limits_refuseNonPositiveValues() {
        assertThrows(IllegalArgumentException.class, () -> new Limits(OptionalLong.of(0), OptionalLong.empty(),
                OptionalLong.empty(), OptionalInt.empty(), Set.of(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new Limits(OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalInt.of(-1), Set.of(), Optional.empty()));
    }

    @Test
    void issue_keepsOnlyTheHashAndPrefix() {
        KeySecret secret = KeySecret.generate();
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "  team  ", secret, Limits.none(), NOW);
        assertEquals("team", key.name());
        assertEquals(secret.hash(), key.hash());
        assertEquals(secret.displayPrefix(), key.prefix());
        assertFalse(key.toString().contains(secret.reveal()));
    }

    @Test
    void withUse_countsUsesAndKeepsTheLatestInstant() {
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "team", KeySecret.generate(), Limits.none(), NOW)
                .withUse(NOW.plusSeconds(20), 2).withUse(NOW.plusSeconds(10), 1);
        assertEquals(3, key.usageCount());
        assertEquals(Optional.of(NOW.plusSeconds(20)), key.lastUsedAt());
    }
}
