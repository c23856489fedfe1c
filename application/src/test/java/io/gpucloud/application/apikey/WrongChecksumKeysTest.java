package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 2: well-formed keys with wrong checksums, in a loop bounded in count and time, are all refused and the
 * key store is never asked. The normal run tries {@value #DEFAULT_KEYS} keys; {@code scripts/chaos.sh} a million
 * ({@code -Dgpucloud.chaos.wrongChecksumKeys=1000000}).
 */
class WrongChecksumKeysTest {
    static final int DEFAULT_KEYS = 100_000;
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** {@code sk-gc-} + 43 random base62 + 6 random base62: the right shape, and (checked) the wrong checksum. */
    static String wrongChecksumKey(ThreadLocalRandom random) {
        while (true) {
            StringBuilder key = new StringBuilder(KeySecret.LENGTH).append(KeySecret.PREFIX);
            for (int i = KeySecret.PREFIX.length(); i < KeySecret.LENGTH; i++) {
                key.append(BASE62.charAt(random.nextInt(BASE62.length())));
            }
            String candidate = key.toString();
            if (KeySecret.parse(candidate).isEmpty()) {
                return candidate;
            }
        }
    }

    @Test
    void wrongChecksums_areAllRefused_withoutAskingTheKeyStore() {
        int keys = Integer.getInteger("gpucloud.chaos.wrongChecksumKeys", DEFAULT_KEYS);
        Duration timeBox = Duration.ofSeconds(Long.getLong("gpucloud.chaos.wrongChecksumSeconds", 60));
        CountingApiKeyStore store = new CountingApiKeyStore(new InMemoryApiKeyStore());
        AuthenticateKeyService service = new AuthenticateKeyService(store, new LocalKeyChangeBroadcast(), Clock.systemUTC(),
                Duration.ofSeconds(30), 1_000);
        String real = new IssueKeyService(store, new LocalKeyChangeBroadcast(), IssueKeyService.DefaultLimits.none(),
                Clock.systemUTC()).issue(new IssueKeyUseCase.Command("real", Limits.none())).secret().reveal();

        ThreadLocalRandom random = ThreadLocalRandom.current();
        long deadline = System.nanoTime() + timeBox.toNanos();
        long started = System.nanoTime();
        int tried = 0;
        while (tried < keys && System.nanoTime() < deadline) {
            String key = wrongChecksumKey(random);
            // Both entry points: the IO thread's (never blocks) and the blocking one (would query on a cache miss).
            Optional<Authentication> quick = service.authenticateWithoutBlocking(key);
            assertTrue(quick.isPresent(), "a malformed key is judged without a lookup");
            assertEquals(new Authentication.Refused(Authentication.Reason.MALFORMED), quick.get());
            assertEquals(new Authentication.Refused(Authentication.Reason.MALFORMED), service.authenticate(key));
            tried++;
        }
        long elapsedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        System.out.printf("wrong-checksum keys: %,d refused in %,d ms (%,.0f/s), key store lookups: %d%n",
                tried, elapsedMs, tried * 1000.0 / Math.max(1, elapsedMs), store.lookups());
        assertTrue(tried >= Math.min(keys, 10_000), "the time box let only " + tried + " keys through");
        assertEquals(0, store.lookups(), "the key store was asked about a key with a wrong checksum");

        assertInstanceOf(Authentication.Authenticated.class, service.authenticate(real));
        assertEquals(1, store.lookups(), "a real key is looked up (once, then cached)");
    }
}
