package io.gpucloud.application.quota;

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

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Exact per-key limits within one process: rpm and tpm over a sliding window (a log of admissions in
 * slices of a millisecond, not fixed buckets), a monthly token budget and concurrency slots, all checked and reserved under
 * one lock per key. The single-instance default, and the fallback of the Redis gate.
 *
 * <ul>
 *   <li>rpm: at most {@code rpm} admissions in any window. A call settled with 0 tokens never
 *       reached an engine and is taken back out of the window (only calls that reach an engine
 *       count).</li>
 *   <li>tpm: the estimate (capped at the whole limit) is charged at admission and replaced by the
 *       real count at settlement; tokens of a call that settles after its admission left the window
 *       are charged, beyond the estimate, at settlement time. Admitted estimates never exceed tpm.</li>
 *   <li>budget: seeded from the {@link BudgetSource} the first time a key is seen in a month (off the
 *       caller's thread), then counted here. Calls are admitted while the month's usage, in-flight
 *       estimates included, is below the budget; once it is reached every call is refused with
 *       {@link RefusalReason#BUDGET} until settlements bring it back below or the month ends.</li>
 *   <li>concurrency: one slot per unsettled reservation; a reservation left unsettled longer than
 *       {@link QuotaSettings#reservationTimeout()} frees its slot.</li>
 * </ul>
 *
 * <p>Window time comes from the injected clock; the budget month and {@link Reservation#admittedAt()}
 * from {@link QuotaRequest#now()}. State of keys idle for longer than the window plus the reservation
 * timeout is dropped (a budget is then re-read from the ledger, which has long caught up).
 */
public final class InProcessQuotaGate implements QuotaGate {
    private static final System.Logger LOG = System.getLogger(InProcessQuotaGate.class.getName());
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Executor VIRTUAL_THREADS = task -> Thread.ofVirtual().name("quota-budget-load").start(task);

    private final ConcurrentHashMap<ApiKeyId, KeyState> states = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BudgetMonth, CompletableFuture<Long>> budgetLoads = new ConcurrentHashMap<>();
    private final BudgetSource budgets;
    private final Clock clock;
    private final Executor budgetLoader;
    private final long windowNanos;
    private final long reservationTimeoutNanos;
    private final long idleNanos;
    private final AtomicLong nextSweepNanos = new AtomicLong();

    public InProcessQuotaGate(BudgetSource budgets, Clock clock) {
        this(budgets, clock, QuotaSettings.DEFAULT);
    }

    public InProcessQuotaGate(BudgetSource budgets, Clock clock, QuotaSettings settings) {
        this(budgets, clock, settings, VIRTUAL_THREADS);
    }

    /** @param budgetLoader runs the (blocking) budget reads; a virtual thread per read by default */
    public InProcessQuotaGate(BudgetSource budgets, Clock clock, QuotaSettings settings, Executor budgetLoader) {
        this.budgets = budgets;
        this.clock = clock;
        this.budgetLoader = budgetLoader;
        this.windowNanos = settings.window().toNanos();
        this.reservationTimeoutNanos = settings.reservationTimeout().toNanos();
        this.idleNanos = windowNanos + reservationTimeoutNanos;
    }

    @Override
    public CompletionStage<Admission> admit(QuotaRequest request) {
        if (QuotaRules.isUnlimited(request.limits())) {
            return CompletableFuture.completedFuture(new Admission.Admitted(reservation(request, request.now()),
                    RateLimitSnapshot.unlimited()));
        }
        long now = nowNanos();
        sweepWhenDue(now);
        Optional<Admission> decided = decide(request, OptionalLong.empty(), now);
        if (decided.isPresent()) {
            return CompletableFuture.completedFuture(decided.get());
        }
        return loadBudget(request.keyId(), QuotaRules.monthOf(request.now())).handle((used, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "cannot read the token budget used by key {0}; refusing: {1}",
                        request.keyId(), failure.toString());
                return new Admission.Refused(RefusalReason.UNAVAILABLE, QuotaRules.UNAVAILABLE_RETRY_AFTER,
                        RateLimitSnapshot.unlimited());
            }
            return decide(request, OptionalLong.of(used), nowNanos()).orElseThrow();
        });
    }

    @Override
    public CompletionStage<Void> settle(Reservation reservation, long actualTokens) {
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens must not be negative");
        }
        if (QuotaRules.isUnlimited(reservation.limits())) {
            return DONE;
        }
        KeyState state = states.get(reservation.keyId());
        if (state != null) {
            synchronized (state) {
                state.settle(new HeldId(reservation.requestId(), reservation.admittedAt()), actualTokens, nowNanos());
            }
        }
        return DONE;
    }

    /** True while this gate holds the reservation unsettled (so a caller with several gates knows whose it is). */
    public boolean holds(Reservation reservation) {
        KeyState state = states.get(reservation.keyId());
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.pending.containsKey(new HeldId(reservation.requestId(), reservation.admittedAt()));
        }
    }

    /** How many keys currently have state here (for metrics and tests). */
    public int trackedKeys() {
        return states.size();
    }

    /** Empty when the key's budget for the request's month is not known yet and {@code seed} is empty. */
    private Optional<Admission> decide(QuotaRequest request, OptionalLong seed, long now) {
        while (true) {
            KeyState state = states.computeIfAbsent(request.keyId(), key -> new KeyState());
            synchronized (state) {
                if (!state.retired) {
                    return state.admit(request, seed, now);
                }
            }
        }
    }

    private CompletableFuture<Long> loadBudget(ApiKeyId key, YearMonth month) {
        BudgetMonth id = new BudgetMonth(key, month);
        CompletableFuture<Long> load = new CompletableFuture<>();
        CompletableFuture<Long> running = budgetLoads.putIfAbsent(id, load);
        if (running != null) {
            return running;
        }
        try {
            budgetLoader.execute(() -> {
                try {
                    load.complete(Math.max(0, budgets.tokensUsed(key, month)));
                } catch (RuntimeException failure) {
                    load.completeExceptionally(failure);
                } finally {
                    budgetLoads.remove(id, load);
                }
            });
        } catch (RejectedExecutionException rejected) {
            budgetLoads.remove(id, load);
            load.completeExceptionally(rejected);
        }
        return load;
    }

    /** At most once per window, across all threads: frees abandoned slots and drops idle keys. */
    private void sweepWhenDue(long now) {
        long due = nextSweepNanos.get();
        if (now < due || !nextSweepNanos.compareAndSet(due, now + windowNanos)) {
            return;
        }
        states.forEach((key, state) -> {
            synchronized (state) {
                state.expireAbandoned(now);
                if (state.pending.isEmpty() && now - state.lastUsed >= idleNanos) {
                    state.retired = true;
                    states.remove(key, state);
                }
            }
        });
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static Reservation reservation(QuotaRequest request, Instant admittedAt) {
        return new Reservation(request.keyId(), request.requestId(), request.limits(), request.estimatedTokens(), admittedAt);
    }

    private static Duration nanos(long nanos) {
        return Duration.ofNanos(Math.max(0, nanos));
    }

    private record BudgetMonth(ApiKeyId key, YearMonth month) {
    }

    /** Identifies a reservation; admittedAt is nudged by nanoseconds when a request id is reused. */
    private record HeldId(RequestId requestId, Instant admittedAt) {
    }

    /**
     * One entry of a window's log: the admissions (or their tokens) of at most {@value #SLICE_NANOS} ns, counted
     * together. Without slices the logs held an object per admission for a whole window (at 20,000 calls a second,
     * over a million live objects per minute-window that every young collection copied); with them a log holds at
     * most one entry per millisecond. A slice leaves the window when its latest admission does, so an admission can
     * stay counted up to that much longer than its own minute, never shorter: limits are never exceeded. Identity
     * matters: a held reservation points at the slices it was counted in.
     */
    private static final class Slice {
        /** The latest admission in the slice. */
        long at;
        /** The first admission: later ones within {@link #SLICE_NANOS} join the slice. */
        final long first;
        /** Requests (in the request log) or tokens (in the token log). */
        long count;
        boolean inWindow = true;

        Slice(long at, long count) {
            this.at = at;
            this.first = at;
            this.count = count;
        }
    }

    /** Admissions within this many nanoseconds of a slice's first share it (see {@link Slice}). */
    static final long SLICE_NANOS = 1_000_000;

    /** One admitted, not yet settled call. */
    private static final class Held {
        final long at;
        final long expiresAt;
        /** The slices of the request and token logs this call is counted in; null when that limit is off. */
        Slice request;
        Slice tokens;
        long tpmCharge;
        long budgetCharge;
        YearMonth budgetMonth;

        Held(long at, long expiresAt) {
            this.at = at;
            this.expiresAt = expiresAt;
        }
    }

    /** Everything known about one key; every access holds its monitor. */
    private final class KeyState {
        final ArrayDeque<Slice> requests = new ArrayDeque<>();
        final ArrayDeque<Slice> tokens = new ArrayDeque<>();
        final Map<HeldId, Held> pending = new HashMap<>();
        long requestCount;
        long tokenSum;
        YearMonth budgetMonth;
        long budgetUsed;
        long lastUsed;
        boolean retired;

        Optional<Admission> admit(QuotaRequest request, OptionalLong seed, long now) {
            Limits limits = request.limits();
            YearMonth month = QuotaRules.monthOf(request.now());
            long budget = limits.monthlyTokenBudget().orElse(0);
            if (budget > 0 && !month.equals(budgetMonth)) {
                if (seed.isEmpty()) {
                    return Optional.empty();
                }
                budgetMonth = month;
                budgetUsed = seed.getAsLong();
            }
            lastUsed = now;
            slide(now);
            long rpm = limits.requestsPerMinute().orElse(0);
            long tpm = limits.tokensPerMinute().orElse(0);
            long maxConcurrent = limits.maxConcurrent().orElse(0);
            long charge = tpm > 0 ? QuotaRules.tpmCharge(request.estimatedTokens(), tpm) : 0;
            if (maxConcurrent > 0 && pending.size() >= maxConcurrent) {
                expireAbandoned(now);
            }

            RefusalReason reason = null;
            Duration retryAfter = QuotaRules.MIN_RETRY_AFTER;
            if (budget > 0 && budgetUsed >= budget) {
                reason = RefusalReason.BUDGET;
                retryAfter = max(retryAfter, QuotaRules.untilNextMonth(request.now()));
            }
            if (rpm > 0 && requestCount >= rpm) {
                reason = reason == null ? RefusalReason.REQUESTS : reason;
                retryAfter = max(retryAfter, nanos(untilRequestFrees(rpm, now)));
            }
            if (tpm > 0 && tokenSum + charge > tpm) {
                reason = reason == null ? RefusalReason.TOKENS : reason;
                retryAfter = max(retryAfter, nanos(untilTokensFree(tokenSum + charge - tpm, now)));
            }
            if (maxConcurrent > 0 && pending.size() >= maxConcurrent) {
                reason = reason == null ? RefusalReason.CONCURRENCY : reason;
                retryAfter = max(retryAfter, QuotaRules.CONCURRENCY_RETRY_AFTER);
            }
            if (reason != null) {
                return Optional.of(new Admission.Refused(reason, retryAfter, snapshot(limits, now, reason)));
            }

            HeldId id = new HeldId(request.requestId(), request.now());
            while (pending.containsKey(id)) {
                id = new HeldId(id.requestId(), id.admittedAt().plusNanos(1));
            }
            Held held = new Held(now, now + reservationTimeoutNanos);
            if (rpm > 0) {
                held.request = log(requests, now, 1);
                requestCount++;
            }
            if (tpm > 0) {
                held.tokens = log(tokens, now, charge);
                held.tpmCharge = charge;
                tokenSum += charge;
            }
            if (budget > 0) {
                held.budgetMonth = month;
                held.budgetCharge = request.estimatedTokens();
                budgetUsed += request.estimatedTokens();
            }
            pending.put(id, held);
            return Optional.of(new Admission.Admitted(reservation(request, id.admittedAt()), snapshot(limits, now, null)));
        }

        void settle(HeldId id, long actualTokens, long now) {
            Held held = pending.remove(id);
            if (held == null) {
                return;
            }
            slide(now);
            if (actualTokens == 0 && held.request != null && held.request.inWindow) {
                held.request.count--;
                requestCount--;
                if (held.request.count == 0 && requests.peekLast() == held.request) {
                    requests.pollLast();
                    held.request.inWindow = false;
                }
            }
            if (held.tokens != null) {
                if (held.tokens.inWindow) {
                    held.tokens.count += actualTokens - held.tpmCharge;
                    tokenSum += actualTokens - held.tpmCharge;
                } else if (actualTokens > held.tpmCharge) {
                    log(tokens, now, actualTokens - held.tpmCharge);
                    tokenSum += actualTokens - held.tpmCharge;
                }
            }
            if (held.budgetMonth != null && held.budgetMonth.equals(budgetMonth)) {
                budgetUsed += actualTokens - held.budgetCharge;
            }
        }

        void expireAbandoned(long now) {
            pending.values().removeIf(held -> now - held.expiresAt >= 0);
        }

        private void slide(long now) {
            long horizon = now - windowNanos;
            while (!requests.isEmpty() && requests.peekFirst().at - horizon <= 0) {
                Slice gone = requests.pollFirst();
                gone.inWindow = false;
                requestCount -= gone.count;
            }
            if (requests.isEmpty()) {
                requestCount = 0;
            }
            while (!tokens.isEmpty() && tokens.peekFirst().at - horizon <= 0) {
                Slice gone = tokens.pollFirst();
                gone.inWindow = false;
                tokenSum -= gone.count;
            }
            if (tokens.isEmpty()) {
                tokenSum = 0;
            }
        }

        /** Until enough of the oldest admissions leave the window for one more to fit. */
        private long untilRequestFrees(long rpm, long now) {
            long skip = requestCount - rpm;
            long seen = 0;
            for (Slice slice : requests) {
                seen += slice.count;
                if (seen > skip) {
                    return slice.at + windowNanos - now;
                }
            }
            return windowNanos;
        }

        /** Counts {@code amount} at {@code now} in {@code log}: in its last slice when that began less than a slice ago. */
        private Slice log(ArrayDeque<Slice> log, long now, long amount) {
            Slice last = log.peekLast();
            if (last != null && now - last.first >= 0 && now - last.first < SLICE_NANOS) {
                last.at = Math.max(last.at, now);
                last.count += amount;
                return last;
            }
            Slice slice = new Slice(now, amount);
            log.addLast(slice);
            return slice;
        }

        /** Until {@code excess} tokens have left the window. */
        private long untilTokensFree(long excess, long now) {
            long freed = 0;
            for (Slice entry : tokens) {
                freed += entry.count;
                if (freed >= excess) {
                    return entry.at + windowNanos - now;
                }
            }
            return windowNanos;
        }

        private RateLimitSnapshot snapshot(Limits limits, long now, RefusalReason refusedBy) {
            Optional<RateWindow> requestWindow = Optional.empty();
            if (limits.requestsPerMinute().isPresent()) {
                long rpm = limits.requestsPerMinute().getAsLong();
                long remaining = refusedBy == RefusalReason.REQUESTS ? 0 : Math.max(0, rpm - requestCount);
                long reset = requests.isEmpty() ? 0 : requests.peekLast().at + windowNanos - now;
                requestWindow = Optional.of(new RateWindow(rpm, remaining, nanos(reset)));
            }
            Optional<RateWindow> tokenWindow = Optional.empty();
            if (limits.tokensPerMinute().isPresent()) {
                long tpm = limits.tokensPerMinute().getAsLong();
                long remaining = refusedBy == RefusalReason.TOKENS ? 0 : Math.max(0, tpm - tokenSum);
                long reset = tokens.isEmpty() ? 0 : tokens.peekLast().at + windowNanos - now;
                tokenWindow = Optional.of(new RateWindow(tpm, remaining, nanos(reset)));
            }
            return new RateLimitSnapshot(requestWindow, tokenWindow);
        }

        private static Duration max(Duration a, Duration b) {
            return a.compareTo(b) >= 0 ? a : b;
        }
    }
}
