package io.gpucloud.application.usage;

import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageSummary;

import java.util.List;
import java.util.Optional;

/** Hourly time series and totals over the last {@code hours} hours, for one key or all. Blocking. */
public interface GetUsageMetricsUseCase {
    int MAX_HOURS = 168;

    UsageMetrics metrics(Query query);

    record Query(Optional<ApiKeyId> key, int hours) {
        public Query {
            if (hours < 1 || hours > MAX_HOURS) {
                throw new IllegalArgumentException("hours must be between 1 and " + MAX_HOURS);
            }
        }
    }

    /** {@code timeSeries} has one bucket per hour, oldest first, the current hour last, zeros included. */
    record UsageMetrics(List<HourlyUsage> timeSeries, UsageSummary summary) {
    }
}
