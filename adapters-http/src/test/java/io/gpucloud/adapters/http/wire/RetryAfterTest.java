package io.gpucloud.adapters.http.wire;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetryAfterTest {

    @ParameterizedTest(name = "{0} ms → {1}")
    @CsvSource({"0, 0s", "17, 17ms", "120, 120ms", "999, 999ms", "1000, 1s", "8640, 8.64s", "59500, 59.5s", "60000, 1m0s",
            "360000, 6m0s", "361500, 6m1.5s", "3600000, 1h0m0s", "3723004, 1h2m3.004s", "61050, 1m1.05s", "1010, 1.01s", "1001, 1.001s", "-5, 0s"})
    void humanReadable_writesOpenAisResetForm(long millis, String expected) {
        assertEquals(expected, RetryAfter.humanReadable(Duration.ofMillis(millis)));
    }

    @ParameterizedTest(name = "{0} ms → {1}")
    @CsvSource({"0, 1", "1, 1", "999, 1", "1000, 1", "1001, 2", "2500, 3", "60000, 60"})
    void headerValue_isWholeSecondsRoundedUpAndAtLeastOne(long millis, String expected) {
        assertEquals(expected, RetryAfter.headerValue(Duration.ofMillis(millis)));
    }
}
