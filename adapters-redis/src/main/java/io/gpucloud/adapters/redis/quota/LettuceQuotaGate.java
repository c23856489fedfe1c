package io.gpucloud.adapters.redis.quota;

import io.gpucloud.adapters.redis.LuaScript;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.quota.QuotaRules;
import io.gpucloud.application.quota.QuotaSettings;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RateWindow;
import io.gpucloud.domain.quota.RefusalReason;
import io.gpucloud.domain.quota.Reservation;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Exact per-key limits across every instance sharing one Redis. Each admission is one
 * {@code EVALSHA} of {@code admit.lua}, which slides the rpm and tpm windows (sorted sets of
 * admissions, by Redis server time), checks rpm, tpm, the monthly budget and the concurrency slots,
 * and reserves all of them together, answering the numbers for the rate-limit headers. Settlements
 * go in batches of {@code settle.lua}: those that come while one batch is on its way go together
 * when it returns ({@link SettleBatches}). Redis is the only truth while it answers: nothing local is
 * consulted first. The rules are those of {@link InProcessQuotaGate}.
 *
 * <p>Keys (under the connection's prefix): {@code quota:<keyId>:requests|tokens|token-amounts|pending|reservations},
 * expiring after a while idle, and {@code budget:<keyId>:<yyyy-MM>}. When the budget counter is
 * missing (first call of the month, a flush, an eviction) the script says so, the counter is seeded
 * from the {@link BudgetSource} (the ledger) with {@code SET NX} and the call is decided again — so
 * a flushed Redis never hands out a fresh budget. Tokens of calls in flight during a flush, and
 * usage the ledger has not received yet, are not in the seed.
 *
 * <p>When Redis does not answer (not connected, timeout) the {@link QuotaWhenRedisDown} policy
 * decides: {@code LOCAL} admits on an {@link InProcessQuotaGate} (counted in {@link #fallbacks()};
 * its reservations are settled there), {@code REFUSE} refuses with {@code UNAVAILABLE}. No stage
 * ever completes exceptionally. Stages complete on Lettuce's I/O threads or, after a budget seed,
 * on a virtual thread.
 */
public final class LettuceQuotaGate implements QuotaGate {
    private static final Logger LOG = LoggerFactory.getLogger(LettuceQuotaGate.class);
    private static final LuaScript ADMIT = LuaScript.fromResource(LettuceQuotaGate.class, "admit.lua");
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Executor VIRTUAL_THREADS = task -> Thread.ofVirtual().name("quota-budget-seed").start(task);
    /** Outlives any month, so a counter seeded on the 1st still exists on the 31st. */
    private static final long BUDGET_TTL_SECONDS = Duration.ofDays(32).toSeconds();
    private static final long ID_TAKEN = -1;
    private static final long BUDGET_MISSING = -2;
    private static final int MAX_ATTEMPTS = 4;

    private final RedisConnection redis;
    private final BudgetSource budgets;
    private final QuotaWhenRedisDown whenDown;
    private final InProcessQuotaGate local;
    private final String windowMicros;
    private final String reservationTimeoutMicros;
    private final String idleMillis;
    private final String concurrencyRetryMicros = Long.toString(micros(QuotaRules.CONCURRENCY_RETRY_AFTER));
    private final ConcurrentHashMap<String, CompletableFuture<Boolean>> budgetSeeds = new ConcurrentHashMap<>();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder refusedUnavailable = new LongAdder();
    private final LongAdder failedSettles = new LongAdder();
    private final LongAdder seededBudgets = new LongAdder();
    private final SettleBatches settlements;

    public LettuceQuotaGate(RedisConnection redis, BudgetSource budgets, QuotaWhenRedisDown whenDown, Clock clock) {
        this(redis, budgets, whenDown, clock, QuotaSettings.DEFAULT);
    }

    /** @param clock the in-process fallback's clock; decisions on Redis use Redis's time */
    public LettuceQuotaGate(RedisConnection redis, BudgetSource budgets, QuotaWhenRedisDown whenDown, Clock clock,
                            QuotaSettings settings) {
        this.redis = redis;
        this.budgets = budgets;
        this.whenDown = whenDown;
        this.local = new InProcessQuotaGate(budgets, clock, settings);
        this.windowMicros = Long.toString(micros(settings.window()));
        this.reservationTimeoutMicros = Long.toString(micros(settings.reservationTimeout()));
        this.idleMillis = Long.toString(settings.window().plus(settings.reservationTimeout()).plusMinutes(1).toMillis());
        this.settlements = new SettleBatches(redis, windowMicros);
    }

    @Override
    public CompletionStage<Admission> admit(QuotaRequest request) {
        if (QuotaRules.isUnlimited(request.limits())) {
            return CompletableFuture.completedFuture(
                    new Admission.Admitted(reservation(request, request.now()), RateLimitSnapshot.unlimited()));
        }
        if (!redis.isUp()) {
            return whenRedisDown(request, Optional.empty());
        }
        return attempt(request, request.now(), 1)
                .exceptionallyCompose(failure -> whenRedisDown(request, Optional.of(failure)));
    }

    @Override
    public CompletionStage<Void> settle(Reservation reservation, long actualTokens) {
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens must not be negative");
        }
        if (QuotaRules.isUnlimited(reservation.limits())) {
            return DONE;
        }
        if (local.holds(reservation)) {
            return local.settle(reservation, actualTokens);
        }
        String[] keys = keys(reservation.keyId(), QuotaRules.monthOf(reservation.admittedAt()));
        return settlements.settle(keys, reservationId(reservation.requestId(), reservation.admittedAt()), actualTokens)
                .handle((settled, failure) -> {
                    if (failure != null) {
                        failedSettles.increment();
                        LOG.warn("Could not settle a quota reservation of key {} on Redis ({}); its slot frees itself after the reservation timeout",
                                reservation.keyId(), RedisConnection.unwrap(failure).toString());
                    }
                    return null;
                });
    }

    /** Admissions decided by the in-process fallback because Redis did not answer. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    /** Calls refused as UNAVAILABLE because Redis did not answer (policy REFUSE). */
    public long refusedUnavailable() {
        return refusedUnavailable.sum();
    }

    /** Settlements Redis did not take (the estimate stays charged; the slot expires). */
    public long failedSettles() {
        return failedSettles.sum();
    }

    /** Script calls that carried settlements (one or more each) since the start. */
    public long settleBatches() {
        return settlements.batches();
    }

    /** Budget counters rebuilt from the ledger (first use in a month, or after Redis lost them). */
    public long seededBudgets() {
        return seededBudgets.sum();
    }

    private CompletionStage<Admission> attempt(QuotaRequest request, Instant admittedAt, int attempt) {
        Limits limits = request.limits();
        String[] keys = keys(request.keyId(), QuotaRules.monthOf(admittedAt));
        CompletionStage<List<Object>> reply = ADMIT.run(redis, ScriptOutputType.MULTI, keys,
                reservationId(request.requestId(), admittedAt),
                limit(limits.requestsPerMinute()), limit(limits.tokensPerMinute()), limit(limits.monthlyTokenBudget()),
                Integer.toString(limits.maxConcurrent().orElse(0)), Long.toString(request.estimatedTokens()),
                windowMicros, reservationTimeoutMicros, idleMillis, concurrencyRetryMicros);
        return reply.thenCompose(answer -> {
            long status = (Long) answer.get(0);
            if (status == ID_TAKEN && attempt < MAX_ATTEMPTS) {
                return attempt(request, admittedAt.plusNanos(attempt), attempt + 1);
            }
            if (status == BUDGET_MISSING && attempt < MAX_ATTEMPTS) {
                return seedBudget(request.keyId(), QuotaRules.monthOf(admittedAt)).thenCompose(seeded -> seeded
                        ? attempt(request, admittedAt, attempt + 1)
                        : CompletableFuture.completedFuture(unavailable()));
            }
            if (degraded.compareAndSet(true, false)) {
                LOG.info("Redis decides quotas again: limits are exact across instances");
            }
            return CompletableFuture.completedFuture(decision(request, admittedAt, status, answer));
        });
    }

    private Admission decision(QuotaRequest request, Instant admittedAt, long status, List<Object> answer) {
        RefusalReason reason = switch ((int) status) {
            case 0 -> null;
            case 1 -> RefusalReason.REQUESTS;
            case 2 -> RefusalReason.TOKENS;
            case 3 -> RefusalReason.BUDGET;
            case 4 -> RefusalReason.CONCURRENCY;
            default -> {
                LOG.warn("The quota script answered status {} for key {} after {} attempts; refusing as unavailable",
                        status, request.keyId(), MAX_ATTEMPTS);
                yield RefusalReason.UNAVAILABLE;
            }
        };
        if (reason == RefusalReason.UNAVAILABLE) {
            return unavailable();
        }
        RateLimitSnapshot snapshot = snapshot(request.limits(), answer, reason);
        if (reason == null) {
            return new Admission.Admitted(reservation(request, admittedAt), snapshot);
        }
        Duration retryAfter = reason == RefusalReason.BUDGET
                ? QuotaRules.untilNextMonth(request.now())
                : Duration.ofNanos((Long) answer.get(5) * 1_000);
        if (retryAfter.compareTo(QuotaRules.MIN_RETRY_AFTER) < 0) {
            retryAfter = QuotaRules.MIN_RETRY_AFTER;
        }
        return new Admission.Refused(reason, retryAfter, snapshot);
    }

    private static RateLimitSnapshot snapshot(Limits limits, List<Object> answer, RefusalReason refusedBy) {
        Optional<RateWindow> requests = window(limits.requestsPerMinute(), (Long) answer.get(1), (Long) answer.get(2),
                refusedBy == RefusalReason.REQUESTS);
        Optional<RateWindow> tokens = window(limits.tokensPerMinute(), (Long) answer.get(3), (Long) answer.get(4),
                refusedBy == RefusalReason.TOKENS);
        return new RateLimitSnapshot(requests, tokens);
    }

    private static Optional<RateWindow> window(OptionalLong limit, long used, long resetMicros, boolean refusedHere) {
        if (limit.isEmpty()) {
            return Optional.empty();
        }
        long remaining = refusedHere ? 0 : Math.max(0, limit.getAsLong() - used);
        return Optional.of(new RateWindow(limit.getAsLong(), remaining, Duration.ofNanos(Math.max(0, resetMicros) * 1_000)));
    }

    /**
     * Rebuilds a missing budget counter from the ledger, once per key and month at a time on this
     * instance. Completes with false when the ledger cannot be read; fails when Redis does not answer.
     */
    private CompletionStage<Boolean> seedBudget(ApiKeyId key, YearMonth month) {
        String budgetKey = budgetKey(key, month);
        CompletableFuture<Boolean> seeding = new CompletableFuture<>();
        CompletableFuture<Boolean> running = budgetSeeds.putIfAbsent(budgetKey, seeding);
        if (running != null) {
            return running;
        }
        CompletableFuture.supplyAsync(() -> Math.max(0, budgets.tokensUsed(key, month)), VIRTUAL_THREADS)
                .handle((used, ledgerFailure) -> {
                    if (ledgerFailure != null) {
                        LOG.warn("Cannot read the budget used by key {} in {} from the ledger ({}); refusing its calls meanwhile",
                                key, month, RedisConnection.unwrap(ledgerFailure).toString());
                        return CompletableFuture.completedFuture(false);
                    }
                    return redis.run(commands -> commands.set(budgetKey, Long.toString(used), SetArgs.Builder.nx().ex(BUDGET_TTL_SECONDS)))
                            .thenApply(set -> {
                                if ("OK".equals(set)) {
                                    seededBudgets.increment();
                                    if (used > 0) {
                                        LOG.info("Rebuilt the {} budget counter of key {} from the ledger: {} tokens used", month, key, used);
                                    }
                                }
                                return true;
                            });
                })
                .thenCompose(Function.identity())
                .whenComplete((seeded, failure) -> {
                    budgetSeeds.remove(budgetKey, seeding);
                    if (failure != null) {
                        seeding.completeExceptionally(failure);
                    } else {
                        seeding.complete(seeded);
                    }
                });
        return seeding;
    }

    private CompletionStage<Admission> whenRedisDown(QuotaRequest request, Optional<Throwable> failure) {
        if (degraded.compareAndSet(false, true)) {
            LOG.warn("Redis cannot decide quotas ({}); {} until it answers again",
                    failure.map(RedisConnection::unwrap).map(Throwable::toString).orElse("not connected"),
                    whenDown == QuotaWhenRedisDown.LOCAL ? "falling back to this instance's in-process limits" : "refusing limited calls");
        }
        return switch (whenDown) {
            case LOCAL -> {
                fallbacks.increment();
                yield local.admit(request);
            }
            case REFUSE -> {
                refusedUnavailable.increment();
                yield CompletableFuture.completedFuture(unavailable());
            }
        };
    }

    private String[] keys(ApiKeyId key, YearMonth month) {
        String id = key.toString();
        return new String[]{
                redis.key("quota", id, "requests"),
                redis.key("quota", id, "tokens"),
                redis.key("quota", id, "token-amounts"),
                redis.key("quota", id, "pending"),
                redis.key("quota", id, "reservations"),
                budgetKey(key, month)};
    }

    private String budgetKey(ApiKeyId key, YearMonth month) {
        return redis.key("budget", key.toString(), month.toString());
    }

    /** Unique per admission: a reused request id is told apart by its (nudged) admission instant. */
    private static String reservationId(RequestId requestId, Instant admittedAt) {
        return requestId.value() + '@' + admittedAt.getEpochSecond() + '.' + admittedAt.getNano();
    }

    private static Reservation reservation(QuotaRequest request, Instant admittedAt) {
        return new Reservation(request.keyId(), request.requestId(), request.limits(), request.estimatedTokens(), admittedAt);
    }

    private static Admission unavailable() {
        return new Admission.Refused(RefusalReason.UNAVAILABLE, QuotaRules.UNAVAILABLE_RETRY_AFTER, RateLimitSnapshot.unlimited());
    }

    private static String limit(OptionalLong limit) {
        return Long.toString(limit.orElse(0));
    }

    private static long micros(Duration duration) {
        return duration.toNanos() / 1_000;
    }
}
