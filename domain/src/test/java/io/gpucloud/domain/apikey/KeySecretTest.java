package io.gpucloud.domain.apikey;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeySecretTest {

    @Test
    void generate_producesAKeyThatParsesBack() {
        KeySecret secret = KeySecret.generate();
        assertTrue(secret.reveal().startsWith("sk-"));
        assertEquals(KeySecret.LENGTH, secret.reveal().length());
        assertEquals(secret.hash(), KeySecret.parse(secret.reveal()).orElseThrow().hash());
    }

    @Test
    void parse_whenOneCharacterIsMistyped_refusesTheKey() {
        String key = KeySecret.generate().reveal();
        for (int position = KeySecret.PREFIX.length(); position < key.length(); position++) {
            char original = key.charAt(position);
            char replacement = original == 'a' ? 'b' : 'a';
            String mistyped = key.substring(0, position) + replacement + key.substring(position + 1);
            assertFalse(KeySecret.parse(mistyped).isPresent(), "mistyped at " + position);
        }
    }

    @Test
    void parse_whenTruncatedOrForeign_refusesTheKey() {
        String key = KeySecret.generate().reveal();
        assertFalse(KeySecret.parse(key.substring(0, key.length() - 1)).isPresent());
        assertFalse(KeySecret.parse(key + "x").isPresent());
        assertFalse(KeySecret.parse("sk-proj-" + key.substring(8)).isPresent());
        assertFalse(KeySecret.parse("").isPresent());
        assertFalse(KeySecret.parse(null).isPresent());
        assertFalse(KeySecret.parse(key.replace('A', '!')).isPresent() && key.contains("A"));
    }

    @Test
    void generate_neverRepeatsAndCarriesAtLeast256BitsOfBody() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            assertTrue(seen.add(KeySecret.generate().reveal()));
        }
        // 43 base62 characters hold log2(62^43) ≈ 256.03 bits.
        assertTrue(43 * Math.log(62) / Math.log(2) >= 256);
    }

    @Test
    void toString_showsOnlyTheDisplayPrefix() {
        KeySecret secret = KeySecret.generate();
        assertFalse(secret.toString().contains(secret.reveal().substring(KeySecret.DISPLAY_PREFIX_LENGTH)));
        assertTrue(secret.toString().startsWith(secret.displayPrefix()));
    }

    @Test
    void hash_isSha256HexAndDiffersBetweenKeys() {
        KeySecret first = KeySecret.generate();
        KeySecret second = KeySecret.generate();
        assertEquals(64, first.hash().hex().length());
        assertNotEquals(first.hash(), second.hash());
        assertTrue(first.hash().matches(KeyHash.of(first.reveal())));
        assertFalse(first.hash().matches(second.hash()));
    }
}
