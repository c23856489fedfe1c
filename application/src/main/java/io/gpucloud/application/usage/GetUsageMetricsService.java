package io.gpucloud.application.usage;

import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageLedger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

public final class GetUsageMetricsService implements GetUsageMetricsUseCase {
    private final UsageLedger ledger;
    private final Clock clock;

    public GetUsageMetricsService(UsageLedger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    @Override
    public UsageMetrics metrics(Query query) {
        Instant currentHour = clock.instant().truncatedTo(ChronoUnit.HOURS);
        Instant from = currentHour.minus(query.hours() - 1L, ChronoUnit.HOURS);
        Instant to = currentHour.plus(1, ChronoUnit.HOURS);
        Map<Instant, HourlyUsage> stored = ledger.hourly(query.key(), from, to).stream()
                .collect(Collectors.toMap(HourlyUsage::hour, Function.identity(), (a, b) -> a));
        List<HourlyUsage> series = new ArrayList<>(query.hours());
        for (Instant hour = from; hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
            series.add(stored.getOrDefault(hour, new HourlyUsage(hour, 0, 0)));
        }
        return new UsageMetrics(series, ledger.summary(query.key(), from, to));
    }
}
