package io.gpucloud.adapters.http.observability;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

    @Test
    void scrape_writesCumulativeHistogramBucketsAndEscapedLabels() {
        Metrics metrics = new Metrics();
        metrics.requestStarted();
        metrics.requestFinished("/v1/chat/completions", "POST", 200, "we\"ird\\model\n", 3_000_000);
        metrics.requestStarted();
        metrics.requestFinished("/v1/chat/completions", "POST", 200, "we\"ird\\model\n", 700_000_000);
        metrics.requestStarted();
        metrics.requestFinished("/v1/chat/completions", "POST", 200, "we\"ird\\model\n", 400_000);
        String text = metrics.scrape();
        assertTrue(text.contains("model=\"we\\\"ird\\\\model\\n\"} 3"), text);
        // Sub-millisecond buckets: a gateway's own latency is measured in them.
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.00025\"} 0"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.0005\"} 1"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.0025\"} 1"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.005\"} 2"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"1\"} 3"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"} 3"), text);
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_count{route=\"/v1/chat/completions\"} 3"), text);
        assertEquals(0, metrics.inFlight());
    }

    @Test
    void unknownMethods_shareOneLabelValue() {
        Metrics metrics = new Metrics();
        metrics.requestStarted();
        metrics.requestFinished("unmatched", "BREW", 405, "", 1);
        assertTrue(metrics.scrape().contains("method=\"other\""));
    }

    @Test
    void registeredGauges_thatThrow_readAsNaN() {
        Metrics metrics = new Metrics();
        metrics.gauge("gpucloud_broken", "Throws.", () -> {
            throw new IllegalStateException("down");
        });
        assertTrue(metrics.scrape().contains("gpucloud_broken NaN"));
        assertThrows(IllegalArgumentException.class, () -> metrics.counter("gpucloud_http_requests_total", "taken", () -> 1));
    }
}
