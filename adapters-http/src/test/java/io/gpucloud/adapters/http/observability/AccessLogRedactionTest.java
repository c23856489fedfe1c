package io.gpucloud.adapters.http.observability;

import io.gpucloud.domain.apikey.KeySecret;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9, item 1: a key that a client puts in a path or a model name never reaches the access log whole. */
class AccessLogRedactionTest {

    @Test
    void keysAndAdminTokens_areCutToTheirDisplayPrefix_whereverTheyAppear() {
        String key = KeySecret.generate().reveal();
        String line = AccessLog.safe("/v1/" + key + "/x?y");
        assertEquals("/v1/" + key.substring(0, KeySecret.DISPLAY_PREFIX_LENGTH) + "…/x?y", line);
        assertFalse(AccessLog.safe(key + key).contains(key.substring(KeySecret.DISPLAY_PREFIX_LENGTH)));
        assertEquals("gca-0123abcd…", AccessLog.safe("gca-0123abcd" + "f".repeat(64)));
        assertEquals("SK-GC-abcdef…", AccessLog.safe("SK-GC-abcdefghijkl"));
        assertEquals("/v1/chat/completions", AccessLog.safe("/v1/chat/completions"));
        assertEquals("gpt-4o-mini", AccessLog.safe("gpt-4o-mini"));
        assertEquals("task-1234567890abcdef", AccessLog.safe("task-1234567890abcdef"));
        assertEquals("sk-", AccessLog.safe("sk-"));
    }

    @Test
    void controlCharactersAndSpaces_becomeUnderscores_soOneRequestIsOneLine() {
        assertEquals("/v1/a_b_c_d", AccessLog.safe("/v1/a b\nc\td"));
        assertEquals("x".repeat(256) + "…", AccessLog.safe("x".repeat(300)));
    }

    @Test
    void timestamp_isUtcWithMilliseconds() {
        String timestamp = AccessLog.appendTimestamp(new StringBuilder()).toString();
        assertTrue(timestamp.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"), timestamp);
    }

    @Test
    void aLine_isWrittenAsUtf8_andTheThreadsBuffersStartEmptyForTheNext() {
        AccessLog.Line line = new AccessLog.Line();
        for (String text : List.of("method=POST path=/v1/chat/completions status=200 model=gpt-4o-mini\n",
                "model=modèle-ü-模型 status=200\n", "path=/" + "x".repeat(5_000) + "\n", "short\n")) {
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            line.text().append(text);
            line.writeTo(new PrintStream(written, true, StandardCharsets.UTF_8));
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), written.toByteArray(), text);
            assertEquals(0, line.text().length());
        }
    }
}
