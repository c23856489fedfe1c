package io.gpucloud.application.contract;

import io.gpucloud.domain.admin.AdminTokenStore;
import io.gpucloud.domain.apikey.KeyHash;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What every {@link AdminTokenStore} must do. Extend it with the adapter under test; each test gets a fresh, empty store. */
public abstract class AdminTokenStoreContract {
    private AdminTokenStore store;

    /** A new, empty store. */
    protected abstract AdminTokenStore newStore();

    @BeforeEach
    void freshStore() {
        store = newStore();
    }

    @Test
    void find_whenNothingStored_returnsEmpty() {
        assertEquals(Optional.empty(), store.find());
    }

    @Test
    void saveIfAbsent_whenNothingStored_storesAndReturnsTheHash() {
        KeyHash hash = KeyHash.of("admin-token-1");

        assertEquals(hash, store.saveIfAbsent(hash));
        assertEquals(Optional.of(hash), store.find());
    }

    @Test
    void saveIfAbsent_whenAHashIsStored_keepsAndReturnsTheStoredOne() {
        KeyHash first = KeyHash.of("admin-token-1");
        store.saveIfAbsent(first);

        assertEquals(first, store.saveIfAbsent(KeyHash.of("admin-token-2")));
        assertEquals(Optional.of(first), store.find());
    }

    @Test
    void saveIfAbsent_fromEightInstancesStartingTogether_agreesOnOneHash() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<KeyHash>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                KeyHash mine = KeyHash.of("admin-token-" + i);
                answers.add(pool.submit(() -> {
                    start.await();
                    return store.saveIfAbsent(mine);
                }));
            }
            start.countDown();
            Set<KeyHash> agreed = new HashSet<>();
            for (Future<KeyHash> answer : answers) {
                agreed.add(answer.get());
            }

            assertEquals(1, agreed.size());
            assertEquals(Optional.of(agreed.iterator().next()), store.find());
        }
    }
}
