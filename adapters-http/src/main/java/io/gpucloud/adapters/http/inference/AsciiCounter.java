package io.gpucloud.adapters.http.inference;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the tokens of ASCII text without a regular expression. An encoding splits text into
 * pre-tokens with its regular expression (Unicode classes, seven alternatives tried at every
 * position) and then merges each pre-token's bytes; for the GPT-4o family that expression was the
 * single most expensive step of a chat call. This class splits ASCII text exactly as the expression
 * does, and counts each pre-token once per process: a short pre-token (a word, a space and
 * punctuation) is looked up in a bounded map, so a word seen before costs a hash lookup instead of
 * a byte-pair merge.
 *
 * <p>The splits, alternative by alternative, restricted to ASCII ({@code \p{L}} = letters,
 * {@code \p{Lu}} = upper case, {@code \p{Ll}} = lower case, {@code \p{N}} = digits, {@code \s} =
 * space and {@code \t\n\x0B\f\r}, no marks or other letter categories). {@code o200k_base}:
 * <pre>
 * [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * \p{N}{1,3}
 *  ?[^\s\p{L}\p{N}]+[\r\n/]*
 * \s*[\r\n]+
 * \s+(?!\S)
 * \s+
 * </pre>
 * {@code cl100k_base}:
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)
 * [^\r\n\p{L}\p{N}]?\p{L}+
 * \p{N}{1,3}
 *  ?[^\s\p{L}\p{N}]+[\r\n]*
 * \s*[\r\n]+
 * \s+(?!\S)
 * \s+
 * </pre>
 * {@code AsciiCounterTest} checks both against jtokkit on random and real text. Text with any
 * non-ASCII character is left to the expression ({@link #count} answers -1).
 *
 * <p>Memory: at most {@value #MAX_ENTRIES} pre-tokens of at most {@value #MAX_CACHED_LENGTH}
 * characters per encoding (a few MB); the table starts over when full. Only short fragments of
 * prompts are kept, never whole messages.
 *
 * <p>The table is looked up by a range of the text, so a pre-token seen before costs no allocation
 * (a {@code Map<String, Integer>} needed a substring per pre-token, the largest share of the bytes
 * a chat call allocated). It is open addressing over immutable entries without locks: a racing
 * insert may overwrite another entry (which is then counted again later), never corrupt one.
 */
final class AsciiCounter {
    static final int MAX_CACHED_LENGTH = 16;
    static final int MAX_ENTRIES = 32_768;
    /** Unseen pre-tokens one text may add before, when they are the majority, the rest is left to the expression whole. */
    static final int MAX_MISSES = 32;

    private static final int TABLE_SIZE = 2 * Integer.highestOneBit(MAX_ENTRIES * 2 - 1);
    private static final int MAX_PROBES = 8;

    /** Immutable, so a racy read of a slot sees a whole entry or null. */
    private record PreToken(String text, int hash, int tokens) {
    }

    /** Which encoding's expression the text is split by. */
    enum Split { O200K, CL100K }

    private final BytePairEncoding encoding;
    private final boolean o200k;
    private volatile PreToken[] table = new PreToken[TABLE_SIZE];
    private final AtomicInteger entries = new AtomicInteger();

    AsciiCounter(BytePairEncoding encoding, Split split) {
        this.encoding = encoding;
        this.o200k = split == Split.O200K;
    }

    /** The token count of {@code text}, or -1 when it is not all ASCII. */
    int count(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if (text.charAt(i) >= 0x80) {
                return -1;
            }
        }
        int total = 0;
        int start = 0;
        int seen = 0;
        int misses = 0;
        while (start < n) {
            int end = o200k ? o200kPreTokenEnd(text, start, n) : cl100kPreTokenEnd(text, start, n);
            int hash = end - start <= MAX_CACHED_LENGTH ? hash(text, start, end) : 0;
            int known = end - start <= MAX_CACHED_LENGTH ? lookup(text, start, end, hash) : -1;
            if (known >= 0) {
                total += known;
            } else {
                total += countAndRemember(text.substring(start, end), hash);
                misses++;
            }
            seen++;
            start = end;
            if (misses > MAX_MISSES && 2 * misses > seen && start < n) {
                // Mostly unseen pre-tokens (random identifiers, base64, another language's words): one call counts
                // the rest faster than one call per pre-token, and unseen fragments would only churn the map. The
                // rest starts at a pre-token boundary and the expression looks at no character behind it, so
                // the expression splits it exactly as it would have split the whole text.
                return total + encoding.countOrdinary(text.substring(start));
            }
        }
        return total;
    }

    /** Pre-tokens remembered now (for tests of the bound). */
    int rememberedPreTokens() {
        int filled = 0;
        for (PreToken entry : table) {
            if (entry != null) {
                filled++;
            }
        }
        return filled;
    }

    private int lookup(String text, int start, int end, int hash) {
        PreToken[] slots = table;
        int mask = slots.length - 1;
        int length = end - start;
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            PreToken entry = slots[(hash + probe) & mask];
            if (entry == null) {
                return -1;
            }
            if (entry.hash == hash && entry.text.length() == length && text.regionMatches(start, entry.text, 0, length)) {
                return entry.tokens;
            }
        }
        return -1;
    }

    private int countAndRemember(String preToken, int hash) {
        int tokens = encoding.countPreToken(preToken);
        if (preToken.length() <= MAX_CACHED_LENGTH) {
            if (entries.incrementAndGet() > MAX_ENTRIES) {
                table = new PreToken[TABLE_SIZE];
                entries.set(1);
            }
            PreToken[] slots = table;
            int mask = slots.length - 1;
            int slot = hash & mask;
            for (int probe = 0; probe < MAX_PROBES; probe++) {
                if (slots[(hash + probe) & mask] == null) {
                    slot = (hash + probe) & mask;
                    break;
                }
            }
            slots[slot] = new PreToken(preToken, hash, tokens);
        }
        return tokens;
    }

    private static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    /** Where the o200k pre-token starting at {@code i} ends: the first alternative of the expression that matches there. */
    static int o200kPreTokenEnd(String s, int i, int n) {
        char c = s.charAt(i);
        // Alternatives 1 and 2: an optional prefix (not \r, \n, a letter or a digit), then upper case, then lower case.
        int word = isLetter(c) ? i : (c != '\r' && c != '\n' && !isDigit(c) ? i + 1 : -1);
        if (word >= 0) {
            int upper = word;
            while (upper < n && isUpper(s.charAt(upper))) {
                upper++;
            }
            int lower = upper;
            while (lower < n && isLower(s.charAt(lower))) {
                lower++;
            }
            if (lower > upper) {
                return contraction(s, lower, n);
            }
            if (upper > word) {
                return contraction(s, upper, n);
            }
        }
        return digitsSymbolsOrSpaceEnd(s, i, n, true);
    }

    /** Where the cl100k pre-token starting at {@code i} ends. */
    static int cl100kPreTokenEnd(String s, int i, int n) {
        char c = s.charAt(i);
        // Alternative 1: a contraction on its own.
        if (c == '\'') {
            int end = contraction(s, i, n);
            if (end > i) {
                return end;
            }
        }
        // Alternative 2: an optional prefix (not \r, \n, a letter or a digit), then letters.
        int word = isLetter(c) ? i : (c != '\r' && c != '\n' && !isDigit(c) ? i + 1 : -1);
        if (word >= 0 && word < n && isLetter(s.charAt(word))) {
            int end = word;
            while (end < n && isLetter(s.charAt(end))) {
                end++;
            }
            return end;
        }
        return digitsSymbolsOrSpaceEnd(s, i, n, false);
    }

    /**
     * The alternatives both expressions end with: one to three digits; an optional space, symbols, then any \r and
     * \n (and / for o200k); and white space.
     */
    private static int digitsSymbolsOrSpaceEnd(String s, int i, int n, boolean slashAfterSymbols) {
        char c = s.charAt(i);
        if (isDigit(c)) {
            int end = i + 1;
            while (end < n && end < i + 3 && isDigit(s.charAt(end))) {
                end++;
            }
            return end;
        }
        int symbols = c == ' ' && i + 1 < n && isSymbol(s.charAt(i + 1)) ? i + 1 : (isSymbol(c) ? i : -1);
        if (symbols >= 0) {
            int end = symbols;
            while (end < n && isSymbol(s.charAt(end))) {
                end++;
            }
            while (end < n && (s.charAt(end) == '\r' || s.charAt(end) == '\n' || (slashAfterSymbols && s.charAt(end) == '/'))) {
                end++;
            }
            return end;
        }
        return spaceEnd(s, i, n);
    }

    /** The last three alternatives, the same in both expressions, for a pre-token that starts with white space. */
    private static int spaceEnd(String s, int i, int n) {
        int space = i;
        int lastNewline = -1;
        while (space < n && isSpace(s.charAt(space))) {
            if (s.charAt(space) == '\r' || s.charAt(space) == '\n') {
                lastNewline = space;
            }
            space++;
        }
        if (lastNewline >= 0) {
            return lastNewline + 1; // alternative 5: \s*[\r\n]+
        }
        if (space == n || space - 1 == i) {
            return space; // alternative 6 at the end of the text, or alternative 7
        }
        return space - 1; // alternative 6: leave the last space to the word that follows
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code at}. */
    private static int contraction(String s, int at, int n) {
        if (at + 1 < n && s.charAt(at) == '\'') {
            char first = Character.toLowerCase(s.charAt(at + 1));
            if (first == 's' || first == 't' || first == 'm' || first == 'd') {
                return at + 2;
            }
            if (at + 2 < n) {
                char second = Character.toLowerCase(s.charAt(at + 2));
                if ((first == 'r' && second == 'e') || (first == 'v' && second == 'e') || (first == 'l' && second == 'l')) {
                    return at + 3;
                }
            }
        }
        return at;
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isLetter(char c) {
        return isUpper(c) || isLower(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isSymbol(char c) {
        return !isSpace(c) && !isLetter(c) && !isDigit(c);
    }
}
