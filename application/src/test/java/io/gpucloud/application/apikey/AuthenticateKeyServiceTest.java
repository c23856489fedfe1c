package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyHash;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthenticateKeyServiceTest {
    private final InMemoryApiKeyStore memory = new InMemoryApiKeyStore();
    private final AtomicInteger lookups = new AtomicInteger();
    private final ApiKeyStore counting = new ApiKeyStore() {
        @Override public void add(ApiKey key) { memory.add(key); }
        @Override public Optional<ApiKey> findById(ApiKeyId id) { return memory.findById(id); }
        @Override public Optional<ApiKey> findByHash(KeyHash hash) { lookups.incrementAndGet(); return memory.findByHash(hash); }
        @Override public List<ApiKey> list() { return memory.list(); }
        @Override public Optional<ApiKey> revoke(ApiKeyId id, Instant now) { return memory.revoke(id, now); }
    };
    private final LocalKeyChangeBroadcast broadcast = new LocalKeyChangeBroadcast();
    private final Clock clock = Clock.systemUTC();
    private final AuthenticateKeyService authenticate =
            new AuthenticateKeyService(counting, broadcast, clock, Duration.ofMinutes(5), 1_000);
    private final IssueKeyService issue = new IssueKeyService(counting, broadcast, IssueKeyService.DefaultLimits.none(), clock);
    private final RevokeKeyService revoke = new RevokeKeyService(counting, broadcast, clock);

    @Test
    void authenticate_whenChecksumIsWrong_neverQueriesTheStore() {
        String key = KeySecret.generate().reveal();
        String broken = key.substring(0, key.length() - 1) + (key.endsWith("0") ? "1" : "0");
        for (int i = 0; i < 10_000; i++) {
            Authentication result = authenticate.authenticate(broken);
            assertEquals(new Authentication.Refused(Authentication.Reason.MALFORMED), result);
        }
        assertEquals(0, lookups.get());
    }

    @Test
    void authenticate_secondTime_isServedFromTheCache() {
        var issued = issue.issue(new IssueKeyUseCase.Command("team", Limits.none()));
        assertInstanceOf(Authentication.Authenticated.class, authenticate.authenticate(issued.secret().reveal()));
        assertTrue(authenticate.authenticateWithoutBlocking(issued.secret().reveal()).isPresent());
        assertInstanceOf(Authentication.Authenticated.class, authenticate.authenticate(issued.secret().reveal()));
        assertEquals(1, lookups.get());
    }

    @Test
    void authenticate_rightAfterRevoke_refusesTheCachedKey() {
        var issued = issue.issue(new IssueKeyUseCase.Command("team", Limits.none()));
        authenticate.authenticate(issued.secret().reveal());
        assertTrue(revoke.revoke(issued.key().id()));
        assertEquals(new Authentication.Refused(Authentication.Reason.REVOKED), authenticate.authenticate(issued.secret().reveal()));
    }

    @Test
    void authenticate_whenWellFormedButUnknown_refusesAsUnknown() {
        assertEquals(new Authentication.Refused(Authentication.Reason.UNKNOWN),
                authenticate.authenticate(KeySecret.generate().reveal()));
    }

    @Test
    void revoke_whenIdIsUnknown_returnsFalse() {
        assertEquals(false, revoke.revoke(ApiKeyId.random()));
    }
}
