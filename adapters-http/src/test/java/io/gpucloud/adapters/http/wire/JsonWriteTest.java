package io.gpucloud.adapters.http.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonWriteTest {

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void eachDocumentIsExactlyItsOwnBytes_afterALargerOneOnTheSameThread() {
        String large = "x".repeat(100_000);
        assertEquals("{\"a\":\"" + large + "\"}", text(Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("a", large);
            json.writeEndObject();
        })));
        assertEquals("{\"b\":1}", text(Json.write(json -> {
            json.writeStartObject();
            json.writeNumberField("b", 1);
            json.writeEndObject();
        })));
    }

    @Test
    void aDocumentWrittenWhileWritingAnotherKeepsBothIntact() {
        byte[] outer = Json.write(json -> {
            json.writeStartObject();
            String inner = text(Json.write(nested -> {
                nested.writeStartArray();
                nested.writeString("in");
                nested.writeEndArray();
            }));
            json.writeStringField("inner", inner);
            json.writeEndObject();
        });
        assertEquals("{\"inner\":\"[\\\"in\\\"]\"}", text(outer));
    }
}
