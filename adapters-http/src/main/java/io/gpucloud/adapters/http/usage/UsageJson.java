package io.gpucloud.adapters.http.usage;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.application.usage.GetUsageMetricsUseCase;
import io.gpucloud.domain.usage.HourlyUsage;

/** {@code {"timeSeries":[{"timestamp","requestCount","tokenCount"}],"summary":{"totalRequests","totalTokens","avgLatencyMs"}}}. */
final class UsageJson {
    private UsageJson() {
    }

    static byte[] of(GetUsageMetricsUseCase.UsageMetrics metrics) {
        return Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("timeSeries");
            for (HourlyUsage hour : metrics.timeSeries()) {
                json.writeStartObject();
                json.writeStringField("timestamp", Json.timestamp(hour.hour()));
                json.writeNumberField("requestCount", hour.requestCount());
                json.writeNumberField("tokenCount", hour.tokenCount());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeObjectFieldStart("summary");
            json.writeNumberField("totalRequests", metrics.summary().totalRequests());
            json.writeNumberField("totalTokens", metrics.summary().totalTokens());
            json.writeNumberField("avgLatencyMs", Math.round(metrics.summary().averageLatencyMillis() * 10) / 10.0);
            json.writeEndObject();
            json.writeEndObject();
        });
    }
}
