package io.gpucloud.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdTest {
    @Test
    void wellFormed_isOneTo128OfTheAllowedCharacters() {
        assertTrue(RequestId.isWellFormed("a"));
        assertTrue(RequestId.isWellFormed("req_0123456789abcdef:trace-1.2"));
        assertTrue(RequestId.isWellFormed("x".repeat(128)));
        assertFalse(RequestId.isWellFormed(null));
        assertFalse(RequestId.isWellFormed(""));
        assertFalse(RequestId.isWellFormed("x".repeat(129)));
        for (String bad : new String[]{"a b", "a/b", "a\nb", "é", "a+b", "a=b", "a,b", "a\u0000"}) {
            assertFalse(RequestId.isWellFormed(bad), bad);
        }
    }

    @Test
    void constructor_refusesWhatIsNotWellFormed() {
        assertEquals("req_1", new RequestId("req_1").value());
        assertThrows(IllegalArgumentException.class, () -> new RequestId("bad id"));
        assertThrows(IllegalArgumentException.class, () -> new RequestId(null));
    }
}
