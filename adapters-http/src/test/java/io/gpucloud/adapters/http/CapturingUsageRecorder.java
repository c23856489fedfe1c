package io.gpucloud.adapters.http;

import io.gpucloud.application.usage.RecordUsageUseCase;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Writes each usage record straight to the ledger and keeps it for assertions. */
final class CapturingUsageRecorder implements RecordUsageUseCase {
    private final UsageLedger ledger;
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();

    CapturingUsageRecorder(UsageLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void record(UsageRecord record) {
        ledger.append(List.of(record));
        records.add(record);
    }

    List<UsageRecord> records() {
        return List.copyOf(records);
    }
}
