package io.gpucloud.adapters.http.observability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsFamilyTest {

    @Test
    void family_isScrapedWithOneSamplePerLabelSet() {
        Metrics metrics = new Metrics();
        metrics.family("gpucloud_queue_depth", "Jobs per model.", "gauge", List.of("model"),
                () -> List.of(new Metrics.Sample(List.of("llama-3-8b"), 3), new Metrics.Sample(List.of("a\"b"), 0.5)));

        String scraped = metrics.scrape();

        assertTrue(scraped.contains("# TYPE gpucloud_queue_depth gauge\n"), scraped);
        assertTrue(scraped.contains("gpucloud_queue_depth{model=\"llama-3-8b\"} 3\n"), scraped);
        assertTrue(scraped.contains("gpucloud_queue_depth{model=\"a\\\"b\"} 0.5\n"), scraped);
    }

    @Test
    void family_thatFails_scrapesWithoutSamples_andNamesAreChecked() {
        Metrics metrics = new Metrics();
        metrics.family("gpucloud_broken", "Fails.", "counter", List.of("model"), () -> {
            throw new IllegalStateException("down");
        });

        assertTrue(metrics.scrape().contains("# TYPE gpucloud_broken counter\n"));
        assertThrows(IllegalArgumentException.class, () -> metrics.family("gpucloud_broken", "", "counter", List.of(), List::of));
        assertThrows(IllegalArgumentException.class, () -> metrics.gauge("gpucloud_broken", "", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> metrics.family("ok_name", "", "gauge", List.of("bad-label"), List::of));
    }
}
