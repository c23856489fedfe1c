package io.gpucloud.adapters.redis.queue;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTextTest {

    @Test
    void writeThenParse_keepsEveryKindOfValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ newline \n tab \t control \u0001 unicode ✓ 😀");
        value.put("int", 42);
        value.put("long", 12_345_678_901L);
        value.put("huge", new BigInteger("123456789012345678901234567890"));
        value.put("double", -1.5e-7);
        value.put("flag", true);
        value.put("nothing", null);
        value.put("list", List.of(1, "two", List.of(), Map.of()));

        Object parsed = JsonText.parse(JsonText.write(value));

        assertEquals(value, parsed);
        assertEquals(List.copyOf(value.keySet()), List.copyOf(((Map<?, ?>) parsed).keySet()), "key order kept");
    }

    @Test
    void parse_readsWhatOthersWrite() {
        assertEquals(Map.of("a", List.of(1, 2.5, "\u00e9/")), JsonText.parse(" { \"a\" : [ 1 , 2.5 , \"\\u00e9\\/\" ] } "));
    }

    @Test
    void parse_refusesBrokenText() {
        for (String broken : List.of("", "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "1 2", "{\"a\":1,}", "\"\\x\"", "-")) {
            assertThrows(IllegalArgumentException.class, () -> JsonText.parse(broken), broken);
        }
    }

    @Test
    void write_refusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> JsonText.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> JsonText.write(new Object()));
    }
}
