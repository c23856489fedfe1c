package io.gpucloud.application.inference;

import io.gpucloud.application.usage.RecordUsageUseCase;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.Reservation;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Ends a call that reached an engine: one usage record, and the quota corrected with the real tokens. */
final class ChatMeter {
    private final QuotaGate quota;
    private final RecordUsageUseCase usage;
    private final Clock clock;

    ChatMeter(QuotaGate quota, RecordUsageUseCase usage, Clock clock) {
        this.quota = quota;
        this.usage = usage;
        this.clock = clock;
    }

    void meter(CompleteChatUseCase.Command command, Reservation reservation, TokenUsage consumed, UsageStatus status) {
        long latencyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - command.startedNanos());
        usage.record(new UsageRecord(command.requestId(), command.caller().id(), command.request().model(),
                consumed.promptTokens(), consumed.completionTokens(), Math.max(0, latencyMillis), status, clock.instant()));
        quota.settle(reservation, consumed.totalTokens());
    }

    /** The call never reached the engine: give the reservation back, bill nothing. */
    void release(Reservation reservation) {
        quota.settle(reservation, 0);
    }
}
