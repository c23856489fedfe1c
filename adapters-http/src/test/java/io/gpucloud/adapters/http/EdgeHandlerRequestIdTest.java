package io.gpucloud.adapters.http;

import io.gpucloud.domain.RequestId;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EdgeHandlerRequestIdTest {

    @Test
    void meteringIds_areReqAnd32HexDigits_unique_andStartWithTheTime() {
        Set<String> seen = new HashSet<>();
        long before = System.currentTimeMillis();
        for (int i = 0; i < 10_000; i++) {
            String id = EdgeHandler.newRequestId().value();
            assertTrue(id.matches("req_[0-9a-f]{32}"), id);
            assertTrue(seen.add(id), "repeated: " + id);
        }
        long after = System.currentTimeMillis();
        long millis = Long.parseLong(EdgeHandler.newRequestId().value().substring(4, 16), 16);
        assertTrue(millis >= before && millis <= System.currentTimeMillis(), millis + " not in [" + before + ", " + after + "]");
    }

    @Test
    void anIdMadeAMillisecondLater_sortsAfter() throws InterruptedException {
        RequestId earlier = EdgeHandler.newRequestId();
        long start = System.currentTimeMillis();
        while (System.currentTimeMillis() == start) {
            Thread.onSpinWait();
        }
        RequestId later = EdgeHandler.newRequestId();
        assertTrue(earlier.value().compareTo(later.value()) < 0, earlier + " then " + later);
        assertEquals(later.value().length(), earlier.value().length());
    }
}
