package io.gpucloud.bootstrap;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigTest {

    @Test
    void upstreamTimeouts_defaultToTwoMinutesOfSilenceAndTenMinutesPerCall() {
        Config config = Config.from(Map.of());
        assertEquals(Duration.ofSeconds(120), config.upstreamReadTimeout());
        assertEquals(Duration.ofSeconds(600), config.upstreamRequestTimeout());
    }

    @Test
    void upstreamTimeouts_areReadFromTheEnvironment() {
        Config config = Config.from(Map.of("UPSTREAM_READ_TIMEOUT_SECONDS", "30", "UPSTREAM_REQUEST_TIMEOUT_SECONDS", "90"));
        assertEquals(Duration.ofSeconds(30), config.upstreamReadTimeout());
        assertEquals(Duration.ofSeconds(90), config.upstreamRequestTimeout());
    }

    @Test
    void upstreamTimeout_ofZero_isRefusedWithTheVariablesName() {
        ConfigException refused = assertThrows(ConfigException.class, () -> Config.from(Map.of("UPSTREAM_READ_TIMEOUT_SECONDS", "0")));
        assertEquals(true, refused.getMessage().contains("UPSTREAM_READ_TIMEOUT_SECONDS"), refused.getMessage());
    }

    @Test
    void upstreamIoThreadCalls_areOnUnlessSwitchedOff() {
        assertEquals(true, Config.from(Map.of()).upstreamIoThreadCalls());
        assertEquals(false, Config.from(Map.of("UPSTREAM_IO_THREAD_CALLS", "0")).upstreamIoThreadCalls());
        assertThrows(ConfigException.class, () -> Config.from(Map.of("UPSTREAM_IO_THREAD_CALLS", "maybe")));
    }

    @Test
    void usageBatchSize_defaultsToTenThousand_andIsReadFromTheEnvironment() {
        assertEquals(10_000, Config.from(Map.of()).usageBatchSize());
        assertEquals(2_000, Config.from(Map.of("USAGE_BATCH_SIZE", "2000")).usageBatchSize());
        assertThrows(ConfigException.class, () -> Config.from(Map.of("USAGE_BATCH_SIZE", "0")));
    }
}
