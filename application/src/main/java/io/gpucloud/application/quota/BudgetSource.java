package io.gpucloud.application.quota;

import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.UsageLedger;

import java.time.YearMonth;

/**
 * Where a quota gate learns how many tokens a key has already used in a month, when it first sees
 * the key in that month or has lost its counter (restart, Redis flush or eviction). Usually the
 * usage ledger: pass {@code ledger::tokensUsed} or {@link #of(UsageLedger)}.
 *
 * <p>May block (JDBC): gates call it off the request thread, at most once per key and month at a
 * time. May throw {@link io.gpucloud.domain.UnavailableException}; the gate then refuses with
 * {@link io.gpucloud.domain.quota.RefusalReason#UNAVAILABLE} rather than hand out a fresh budget.
 */
@FunctionalInterface
public interface BudgetSource {

    /** Tokens the key used in {@code month} (calendar month, UTC); never negative. */
    long tokensUsed(ApiKeyId key, YearMonth month);

    static BudgetSource of(UsageLedger ledger) {
        return ledger::tokensUsed;
    }

    /** Every key starts each month at zero: for tests and deployments without budgets. */
    static BudgetSource none() {
        return (key, month) -> 0;
    }
}
