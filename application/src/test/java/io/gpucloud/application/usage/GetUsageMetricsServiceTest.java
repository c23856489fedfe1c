package io.gpucloud.application.usage;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GetUsageMetricsServiceTest {
    private final Instant now = Instant.parse("2026-11-28T12:34:56Z");
    private final InMemoryUsageLedger ledger = new InMemoryUsageLedger(new InMemoryApiKeyStore());
    private final GetUsageMetricsService metrics = new GetUsageMetricsService(ledger, Clock.fixed(now, ZoneOffset.UTC));

    @Test
    void metrics_fillsEveryHourOldestFirstAndSumsTheWindow() {
        ApiKeyId key = ApiKeyId.random();
        ledger.append(List.of(
                new UsageRecord(new RequestId("a"), key, "gpt-4", 10, 20, 100, UsageStatus.COMPLETED, now.minusSeconds(60)),
                new UsageRecord(new RequestId("b"), key, "gpt-4", 1, 2, 300, UsageStatus.COMPLETED, now.minusSeconds(3 * 3600)),
                new UsageRecord(new RequestId("c"), key, "gpt-4", 1, 2, 300, UsageStatus.COMPLETED, now.minusSeconds(30 * 3600))));
        var result = metrics.metrics(new GetUsageMetricsUseCase.Query(Optional.of(key), 24));
        assertEquals(24, result.timeSeries().size());
        assertEquals(Instant.parse("2026-11-28T12:00:00Z"), result.timeSeries().getLast().hour());
        assertEquals(30, result.timeSeries().getLast().tokenCount());
        assertEquals(1, result.timeSeries().get(20).requestCount());
        assertEquals(2, result.summary().totalRequests());
        assertEquals(33, result.summary().totalTokens());
        assertEquals(200.0, result.summary().averageLatencyMillis());
    }

    @Test
    void query_outsideOneTo168Hours_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GetUsageMetricsUseCase.Query(Optional.empty(), 0));
        assertThrows(IllegalArgumentException.class, () -> new GetUsageMetricsUseCase.Query(Optional.empty(), 169));
    }
}
