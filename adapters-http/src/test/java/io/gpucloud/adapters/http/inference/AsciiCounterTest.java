package io.gpucloud.adapters.http.inference;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The regex-free counters agree with jtokkit's own count on every ASCII text, and decline the rest. */
class AsciiCounterTest {
    /** Weighted towards the characters the expression's alternatives turn on. */
    private static final String ALPHABET = "aaaaeeeiioouu bbcdfghklmnprstvwxyz     AAEEBCDKLMSTZ0123456789''''\n\n\r\t\u000B\f"
            + ".,;:!?-_/\\()[]{}<>\"#$%&*+=@^`|~\u0000\u001F\u007F";

    private static final BytePairEncoding O200K_COMPACT = BytePairEncoding.o200kBase();
    private static final BytePairEncoding CL100K_COMPACT = BytePairEncoding.cl100kBase();

    @Nested
    class O200k extends Cases {
        O200k() {
            super(EncodingType.O200K_BASE, new AsciiCounter(O200K_COMPACT, AsciiCounter.Split.O200K));
        }
    }

    @Nested
    class Cl100k extends Cases {
        Cl100k() {
            super(EncodingType.CL100K_BASE, new AsciiCounter(CL100K_COMPACT, AsciiCounter.Split.CL100K));
        }
    }

    abstract static class Cases {
        private final Encoding reference;
        private final AsciiCounter counter;

        Cases(EncodingType reference, AsciiCounter counter) {
            this.reference = Encodings.newLazyEncodingRegistry().getEncoding(reference);
            this.counter = counter;
        }

        @Test
        void agreesWithJtokkit_onRandomAsciiText() {
            Random random = new Random(20_261_128);
            for (int run = 0; run < 30_000; run++) {
                int length = random.nextInt(run % 10 == 0 ? 400 : 40);
                StringBuilder text = new StringBuilder(length);
                for (int i = 0; i < length; i++) {
                    text.append(random.nextInt(8) == 0 ? (char) random.nextInt(128) : ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                }
                String sample = text.toString();
                assertEquals(reference.countTokensOrdinary(sample), counter.count(sample), () -> "text: " + escape(sample));
            }
        }

        @Test
        void agreesWithJtokkit_onProseCodeAndEdgeCases() {
            List<String> samples = List.of("", " ", "  ", "\n", "\r\n\r\n", " \n ", "a", "A", "I'm", "WE'LL", "they'Re here", "don't",
                    "You are a helpful assistant.", "Write one short sentence about the sea for a benchmark of an API gateway.",
                    "HTTPServer parses JSONData; XMLHttpRequest!", "1234567 + 89 = 1234656", "a/b\n/c", "...\r\n/x", "  word",
                    "end   ", "tabs\t\tand\u000Bvertical", "'s's's", "'''", " ' ", "x'", "ABC'S", "e.g. U.S.A. & co.",
                    "def f(x):\n    return x ** 2  # square\n\n", "{\"json\": [1, 2, 3], \"k\": null}", "sk-gc-AbCdEf0123456789xyz");
            for (String sample : samples) {
                assertEquals(reference.countTokensOrdinary(sample), counter.count(sample), () -> "text: " + escape(sample));
            }
        }

        @Test
        void agreesWithJtokkit_whenMostPreTokensAreUnseen() {
            Random random = new Random(7);
            for (int run = 0; run < 200; run++) {
                StringBuilder text = new StringBuilder("Summarise: ");
                for (int word = 0; word < 50 + random.nextInt(400); word++) {
                    for (int i = 0; i < 2 + random.nextInt(9); i++) {
                        text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    }
                    text.append(random.nextInt(5) == 0 ? "\n" : " ");
                }
                String sample = text.toString();
                assertEquals(reference.countTokensOrdinary(sample), counter.count(sample), () -> "text: " + escape(sample));
            }
        }

        @Test
        void declinesNonAsciiText() {
            assertEquals(-1, counter.count("café"));
            assertEquals(-1, counter.count("日本語のテキスト"));
            assertEquals(-1, counter.count("emoji 🙂"));
        }

        @Test
        void staysBounded() {
            for (int i = 0; i < AsciiCounter.MAX_ENTRIES * 2; i++) {
                String word = " w" + Integer.toString(i, 26).replaceAll("[0-9]", "q");
                assertEquals(reference.countTokensOrdinary(word), counter.count(word));
                if (i % 4096 == 0) {
                    assertTrue(counter.rememberedPreTokens() <= AsciiCounter.MAX_ENTRIES);
                }
            }
            assertEquals(reference.countTokensOrdinary(" wabc"), counter.count(" wabc")); // seen before the table started over
        }

    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == 0x7F ? String.format("\\u%04X", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
