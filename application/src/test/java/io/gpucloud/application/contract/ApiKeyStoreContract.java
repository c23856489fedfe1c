package io.gpucloud.application.contract;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ApiKeyStore} must do. Extend it with the adapter under test; each test gets a
 * fresh, empty store. Instants are whole milliseconds, which every store keeps exactly.
 */
public abstract class ApiKeyStoreContract {
    protected static final Instant T0 = Instant.parse("2026-03-01T10:15:30.123Z");

    private ApiKeyStore store;

    /** A new, empty store. */
    protected abstract ApiKeyStore newStore();

    @BeforeEach
    void freshStore() {
        store = newStore();
    }

    @Test
    void findById_afterAdd_returnsTheSameKey() {
        ApiKey key = issue("alpha", Limits.none(), T0);

        store.add(key);

        assertSameKey(key, store.findById(key.id()).orElseThrow());
    }

    @Test
    void findByHash_afterAdd_returnsTheSameKey() {
        ApiKey key = issue("alpha", Limits.none(), T0);

        store.add(key);

        assertSameKey(key, store.findByHash(key.hash()).orElseThrow());
    }

    @Test
    void findById_ofUnknownKey_returnsEmpty() {
        store.add(issue("alpha", Limits.none(), T0));

        assertEquals(Optional.empty(), store.findById(ApiKeyId.random()));
    }

    @Test
    void findByHash_ofUnknownSecret_returnsEmpty() {
        store.add(issue("alpha", Limits.none(), T0));

        assertEquals(Optional.empty(), store.findByHash(KeySecret.generate().hash()));
    }

    @Test
    void add_withEveryLimitSet_keepsEveryLimit() {
        Limits limits = new Limits(OptionalLong.of(60), OptionalLong.of(40_000), OptionalLong.of(5_000_000),
                OptionalInt.of(4), Set.of("llama-3-8b", "mistral-7b"),
                Optional.of(Instant.parse("2027-01-01T00:00:00Z")));
        ApiKey key = issue("limited", limits, T0);

        store.add(key);

        assertEquals(limits, store.findById(key.id()).orElseThrow().limits());
    }

    @Test
    void add_withNoLimits_keepsThemAbsent() {
        ApiKey key = issue("unlimited", Limits.none(), T0);

        store.add(key);

        assertEquals(Limits.none(), store.findById(key.id()).orElseThrow().limits());
    }

    @Test
    void add_withAnIdAlreadyStored_throwsIllegalStateAndKeepsTheFirst() {
        ApiKey first = issue("first", Limits.none(), T0);
        store.add(first);
        ApiKey sameId = ApiKey.issue(first.id(), "second", KeySecret.generate(), Limits.none(), T0);

        assertThrows(IllegalStateException.class, () -> store.add(sameId));
        assertEquals("first", store.findById(first.id()).orElseThrow().name());
    }

    @Test
    void add_withAHashAlreadyStored_throwsIllegalState() {
        KeySecret secret = KeySecret.generate();
        store.add(ApiKey.issue(ApiKeyId.random(), "first", secret, Limits.none(), T0));
        ApiKey sameSecret = ApiKey.issue(ApiKeyId.random(), "second", secret, Limits.none(), T0);

        assertThrows(IllegalStateException.class, () -> store.add(sameSecret));
        assertEquals(1, store.list().size());
    }

    @Test
    void list_whenEmpty_returnsNothing() {
        assertEquals(List.of(), store.list());
    }

    @Test
    void list_returnsEveryKeyOldestFirst_revokedOnesIncluded() {
        ApiKey middle = issue("middle", Limits.none(), T0.plusSeconds(60));
        ApiKey oldest = issue("oldest", Limits.none(), T0);
        ApiKey newest = issue("newest", Limits.none(), T0.plusSeconds(120));
        store.add(middle);
        store.add(newest);
        store.add(oldest);
        store.revoke(middle.id(), T0.plusSeconds(200));

        List<String> names = store.list().stream().map(ApiKey::name).toList();

        assertEquals(List.of("oldest", "middle", "newest"), names);
    }

    @Test
    void revoke_ofActiveKey_marksItRevokedAtThatInstant() {
        ApiKey key = issue("alpha", Limits.none(), T0);
        store.add(key);
        Instant when = T0.plusSeconds(3600);

        ApiKey revoked = store.revoke(key.id(), when).orElseThrow();

        assertEquals(Optional.of(when), revoked.revokedAt());
        assertEquals(Optional.of(when), store.findById(key.id()).orElseThrow().revokedAt());
    }

    @Test
    void revoke_twice_keepsTheFirstInstant() {
        ApiKey key = issue("alpha", Limits.none(), T0);
        store.add(key);
        Instant first = T0.plusSeconds(60);

        store.revoke(key.id(), first);
        ApiKey again = store.revoke(key.id(), T0.plusSeconds(120)).orElseThrow();

        assertEquals(Optional.of(first), again.revokedAt());
        assertEquals(Optional.of(first), store.findById(key.id()).orElseThrow().revokedAt());
    }

    @Test
    void revoke_ofUnknownKey_returnsEmpty() {
        assertEquals(Optional.empty(), store.revoke(ApiKeyId.random(), T0));
    }

    @Test
    void findByHash_afterRevoke_returnsRevokedKey() {
        ApiKey key = issue("alpha", Limits.none(), T0);
        store.add(key);
        store.revoke(key.id(), T0.plusSeconds(1));

        ApiKey found = store.findByHash(key.hash()).orElseThrow();

        assertTrue(found.isRevoked());
    }

    @Test
    void revoke_leavesOtherKeysActive() {
        ApiKey revoked = issue("revoked", Limits.none(), T0);
        ApiKey kept = issue("kept", Limits.none(), T0);
        store.add(revoked);
        store.add(kept);

        store.revoke(revoked.id(), T0.plusSeconds(1));

        assertTrue(store.findById(kept.id()).orElseThrow().revokedAt().isEmpty());
    }

    @Test
    void add_fromSixteenThreads_storesThousandDistinctFindableKeys() throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<ApiKey> issued = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < 16; thread++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < 1_000; i = next.getAndIncrement()) {
                        ApiKey key = issue("key-" + i, Limits.none(), T0.plusMillis(i));
                        store.add(key);
                        issued.add(key);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }

        List<ApiKey> listed = store.list();
        assertEquals(1_000, issued.size());
        assertEquals(1_000, listed.size());
        assertEquals(1_000, new HashSet<>(listed.stream().map(ApiKey::id).toList()).size());
        assertEquals(1_000, new HashSet<>(listed.stream().map(key -> key.hash().hex()).toList()).size());
        for (ApiKey key : issued) {
            assertEquals(key.id(), store.findByHash(key.hash()).orElseThrow().id());
        }
    }

    protected static ApiKey issue(String name, Limits limits, Instant now) {
        return ApiKey.issue(ApiKeyId.random(), name, KeySecret.generate(), limits, now);
    }

    /** ApiKey has identity equality: compare what a store must keep. */
    protected static void assertSameKey(ApiKey expected, ApiKey actual) {
        assertEquals(expected.id(), actual.id());
        assertEquals(expected.name(), actual.name());
        assertTrue(expected.hash().matches(actual.hash()), "hash");
        assertEquals(expected.prefix(), actual.prefix());
        assertEquals(expected.limits(), actual.limits());
        assertEquals(expected.createdAt(), actual.createdAt());
        assertEquals(expected.revokedAt(), actual.revokedAt());
        assertEquals(expected.lastUsedAt(), actual.lastUsedAt());
        assertEquals(expected.usageCount(), actual.usageCount());
    }
}
