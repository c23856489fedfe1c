package io.gpucloud.adapters.http.inference;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The compact encodings count exactly as jtokkit's, on text of every kind. */
class BytePairEncodingTest {
    private static final EncodingRegistry JTOKKIT = Encodings.newLazyEncodingRegistry();
    private static final BytePairEncoding O200K = BytePairEncoding.o200kBase();
    private static final BytePairEncoding CL100K = BytePairEncoding.cl100kBase();
    /** Characters from the classes the expressions distinguish, several scripts, marks, emoji and odd spaces. */
    private static final String ALPHABET = "aeiou bcdfgklmnrst     AEIOUBCDXYZ0123456789''\n\n\r\t\u000B\f.,;:!?-_/\\()[]{}<>\"#$%&*+=@^`|~"
            + "éèçñüßÆØœ ЖжЯяшщ αβγΩ 中文日本語한국어 ﾊﾝｶｸ العربية עברית हिन्दी ไทย ٣٤٥ ½ⅫⅧ \u00A0\u2028\u2003\u3000\u200B"
            + "\u0301\u0308\u0327 \uD83C\uDF0D\uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD";

    private static final int[] CODE_POINTS = ALPHABET.codePoints().toArray();

    private static void assertSameCounts(String text) {
        for (var pair : List.of(new Object[]{O200K, EncodingType.O200K_BASE}, new Object[]{CL100K, EncodingType.CL100K_BASE})) {
            Encoding reference = JTOKKIT.getEncoding((EncodingType) pair[1]);
            BytePairEncoding compact = (BytePairEncoding) pair[0];
            assertEquals(reference.countTokensOrdinary(text), compact.countOrdinary(text),
                    () -> compact.name() + " on " + text.codePoints().limit(300).mapToObj(c -> c < 128 && c >= 32 ? String.valueOf((char) c)
                            : String.format("\\u%04X", c)).reduce("", String::concat));
        }
    }

    @Test
    void countsAsJtokkit_onRandomText() {
        Random random = new Random(20_261_129);
        for (int run = 0; run < 4_000; run++) {
            int length = random.nextInt(run % 20 == 0 ? 2_000 : 60);
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(random.nextInt(10) == 0 ? random.nextInt(0x3000) : CODE_POINTS[random.nextInt(CODE_POINTS.length)]);
            }
            assertSameCounts(text.toString());
        }
    }

    @Test
    void countsAsJtokkit_onLongPiecesWithoutBreaks() {
        Random random = new Random(11);
        for (int run = 0; run < 40; run++) {
            StringBuilder text = new StringBuilder();
            String letters = run % 2 == 0 ? "abcdefghijklmnopqrstuvwxyz" : "aab";
            for (int i = 0; i < 300 + random.nextInt(3_000); i++) {
                text.append(letters.charAt(random.nextInt(letters.length())));
            }
            assertSameCounts(text.toString());
            assertSameCounts("=".repeat(run * 37 + 1) + "a".repeat(run * 53 + 1) + "ab".repeat(run * 11 + 1));
        }
        assertSameCounts("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" + "aGVsbG8gd29ybGQ".repeat(200));
        assertSameCounts("日本語".repeat(500));
        assertSameCounts("\uD83D\uDE00".repeat(400));
    }

    @Test
    void countsAsJtokkit_onProseCodeAndEdgeCases() {
        List<String> samples = List.of("", " ", "  ", "\n", "\r\n\r\n", "a", "I'm", "WE'LL", "don't", "<|endoftext|>",
                "You are a helpful assistant.", "HTTPServer parses JSONData; XMLHttpRequest!", "1234567 + 89 = 1234656",
                "def f(x):\n    return x ** 2  # square\n\n", "{\"json\": [1, 2, 3], \"k\": null}",
                "Ça va? Très bien, merci — et toi?", "Привет, как дела?", "東京は日本の首都です。", "😀👍🏽🌍 emoji", "naïve café résumé",
                "x\u0301y\u0308", "line\u2028break", "a\u00A0b\u3000c");
        for (String sample : samples) {
            assertSameCounts(sample);
        }
    }

    @Test
    void anUnpairedSurrogate_countsAsAQuestionMark_asJavaEncodesIt() {
        // jtokkit refuses such text (an assertion); JSON escapes can produce it.
        assertEquals(O200K.countOrdinary("abc?"), O200K.countOrdinary("abc\uD800"));
        assertEquals(CL100K.countOrdinary("? x"), CL100K.countOrdinary("\uDC00 x"));
    }
}
