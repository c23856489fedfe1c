package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyChangeBroadcast;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;

import java.time.Clock;
import java.util.OptionalLong;

/** Issues keys; limits the caller left unset take the operator's defaults. */
public final class IssueKeyService implements IssueKeyUseCase {
    private final ApiKeyStore keys;
    private final KeyChangeBroadcast broadcast;
    private final DefaultLimits defaults;
    private final Clock clock;

    public IssueKeyService(ApiKeyStore keys, KeyChangeBroadcast broadcast, DefaultLimits defaults, Clock clock) {
        this.keys = keys;
        this.broadcast = broadcast;
        this.defaults = defaults;
        this.clock = clock;
    }

    @Override
    public IssuedKey issue(Command command) {
        KeySecret secret = KeySecret.generate();
        ApiKey key = ApiKey.issue(ApiKeyId.random(), command.name(), secret, withDefaults(command.limits()), clock.instant());
        keys.add(key);
        // Another instance may have cached this hash as unknown while the caller raced ahead of us.
        broadcast.publish(key.hash());
        return new IssuedKey(key, secret);
    }

    private Limits withDefaults(Limits asked) {
        return new Limits(
                or(asked.requestsPerMinute(), defaults.requestsPerMinute()),
                or(asked.tokensPerMinute(), defaults.tokensPerMinute()),
                or(asked.monthlyTokenBudget(), defaults.monthlyTokenBudget()),
                asked.maxConcurrent(), asked.models(), asked.expiresAt());
    }

    private static OptionalLong or(OptionalLong asked, OptionalLong fallback) {
        return asked.isPresent() ? asked : fallback;
    }

    /** The operator's defaults for keys created without a limit ({@code DEFAULT_RPM} …); empty means none. */
    public record DefaultLimits(OptionalLong requestsPerMinute, OptionalLong tokensPerMinute, OptionalLong monthlyTokenBudget) {
        public static DefaultLimits none() {
            return new DefaultLimits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
        }
    }
}
