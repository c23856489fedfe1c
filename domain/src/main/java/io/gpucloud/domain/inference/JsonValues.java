package io.gpucloud.domain.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Plain JSON values (maps, lists, strings, numbers, booleans, null) carried through untouched. */
final class JsonValues {
    private JsonValues() {
    }

    static Map<String, Object> copy(Map<String, Object> values) {
        if (values == null || values.isEmpty()) {
            return Map.of();
        }
        // LinkedHashMap keeps the client's order and allows JSON null values, which Map.copyOf does not.
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
}
