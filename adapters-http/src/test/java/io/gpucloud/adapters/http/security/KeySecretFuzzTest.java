package io.gpucloud.adapters.http.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gpucloud.domain.apikey.KeySecret;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the API key parser, which sees every Authorization header before anything else: it never throws, accepts
 * only the documented shape ({@code sk-gc-} + 43 base62 + 6 checksum characters) with a matching checksum, and a
 * real key with characters changed is refused without storage being asked (the checksum catches it).
 * Corpus in {@code src/test/resources/.../KeySecretFuzzTestInputs}; {@code scripts/fuzz.sh} fuzzes for real.
 */
class KeySecretFuzzTest {
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    @FuzzTest(maxDuration = "10s")
    void parse_acceptsOnlyWellFormedKeys_andNeverThrows(byte[] header) {
        String text = new String(header, StandardCharsets.UTF_8);
        Optional<KeySecret> parsed = KeySecret.parse(text);
        if (parsed.isPresent()) {
            KeySecret secret = parsed.get();
            assertEquals(text, secret.reveal());
            assertEquals(KeySecret.LENGTH, text.length());
            assertTrue(text.startsWith(KeySecret.PREFIX));
            for (int i = KeySecret.PREFIX.length(); i < text.length(); i++) {
                assertTrue(BASE62.indexOf(text.charAt(i)) >= 0, text);
            }
            assertFalse(secret.toString().contains(text.substring(KeySecret.DISPLAY_PREFIX_LENGTH)),
                    "toString shows no more than the display prefix");
        }
    }

    @FuzzTest(maxDuration = "10s")
    void parse_refusesARealKeyWithOneCharacterChanged(FuzzedDataProvider data) {
        String real = KeySecret.generate().reveal();
        int position = data.consumeInt(KeySecret.PREFIX.length(), KeySecret.LENGTH - 1);
        char replacement = BASE62.charAt(data.consumeInt(0, BASE62.length() - 1));
        if (real.charAt(position) == replacement) {
            return;
        }
        String typo = real.substring(0, position) + replacement + real.substring(position + 1);
        assertTrue(KeySecret.parse(typo).isEmpty(), "a one-character change passes the checksum: " + position);
        assertTrue(KeySecret.parse(real).isPresent());
    }
}
