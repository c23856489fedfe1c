package io.gpucloud.application.usage;

import io.gpucloud.domain.usage.UsageRecord;

/** Accepts one usage record per completed call. Never blocks: records are buffered and written in batches. */
public interface RecordUsageUseCase {
    void record(UsageRecord record);
}
