package io.gpucloud.adapters.http.inference;

import com.knuddels.jtokkit.Encodings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of OpenAI's byte-pair encodings, held compactly, for counting tokens: text is split into
 * pre-tokens by the encoding's regular expression, and each pre-token's UTF-8 bytes are merged
 * pair by pair, always the adjacent pair of lowest rank first (the leftmost of equal ones), until no
 * adjacent pair is a token; the count is the number of parts left, as tiktoken and jtokkit count.
 *
 * <p>Why not jtokkit's own {@code Encoding}: it keeps each token in two hash maps of boxed objects,
 * 36 MB of a 59 MB live heap for {@code o200k_base} and {@code cl100k_base} together (a class
 * histogram of the gateway). Here an encoding is three arrays: every token's bytes back to back in
 * rank order, where each starts, and an open-addressing table of ranks: about 4 MB for
 * {@code o200k_base}. The ranks are read from the {@code .tiktoken} files in jtokkit's jar, so the
 * data is the same; {@code BytePairEncodingTest} checks the counts against jtokkit's.
 *
 * <p>Thread-safe: immutable after loading; the merge's working arrays are per thread.
 */
final class BytePairEncoding {
    /** The rank of a byte string that is not a token. */
    static final int NOT_A_TOKEN = Integer.MAX_VALUE;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final String name;
    private final Pattern preTokens;
    private final byte[] tokenBytes;
    /** The token of rank {@code r} is {@code tokenBytes[tokenStart[r] .. tokenStart[r + 1])}. */
    private final int[] tokenStart;
    /** Open addressing, linear probing, at most half full: a token's rank plus one, 0 when empty. */
    private final int[] slots;

    private BytePairEncoding(String name, Pattern preTokens, byte[] tokenBytes, int[] tokenStart) {
        this.name = name;
        this.preTokens = preTokens;
        this.tokenBytes = tokenBytes;
        this.tokenStart = tokenStart;
        int tokens = tokenStart.length - 1;
        this.slots = new int[Integer.highestOneBit(Math.max(2, tokens) * 2 - 1) * 2];
        int mask = slots.length - 1;
        for (int i = 0; i < tokens; i++) {
            int slot = hash(tokenBytes, tokenStart[i], tokenStart[i + 1]) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = i + 1;
        }
    }

    /** {@code o200k_base}: the GPT-4o family, the o-series and later models. */
    static BytePairEncoding o200kBase() {
        String split = String.join("|",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
                "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
                "\\p{N}{1,3}",
                " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
                "\\s*[\\r\\n]+",
                "\\s+(?!\\S)",
                "\\s+");
        return load("o200k_base", "/com/knuddels/jtokkit/o200k_base.tiktoken",
                Pattern.compile(split, Pattern.UNICODE_CHARACTER_CLASS));
    }

    /** {@code cl100k_base}: GPT-4, GPT-3.5 and, as an approximation, open models. */
    static BytePairEncoding cl100kBase() {
        String split = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        return load("cl100k_base", "/com/knuddels/jtokkit/cl100k_base.tiktoken",
                Pattern.compile(split, Pattern.UNICODE_CHARACTER_CLASS));
    }

    /**
     * Reads a {@code .tiktoken} file: one token a line, its bytes in base64, a space, its rank. In OpenAI's files
     * the ranks are the line numbers from 0, which this relies on (and checks), so a rank is a token's index.
     */
    static BytePairEncoding load(String name, String resource, Pattern preTokens) {
        byte[] file;
        try (InputStream in = Encodings.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " on the class path (jtokkit's jar carries it)");
            }
            file = in.readAllBytes();
        } catch (IOException unreadable) {
            throw new UncheckedIOException("reading " + resource, unreadable);
        }
        Base64.Decoder base64 = Base64.getDecoder();
        int lines = 0;
        for (byte b : file) {
            if (b == '\n') {
                lines++;
            }
        }
        byte[] bytes = new byte[file.length];
        int[] starts = new int[lines + 2];
        int tokens = 0;
        int length = 0;
        for (int line = 0; line < file.length; ) {
            int end = line;
            while (end < file.length && file[end] != '\n') {
                end++;
            }
            if (end > line) {
                int space = line;
                while (space < end && file[space] != ' ') {
                    space++;
                }
                if (space == end) {
                    throw new IllegalStateException(resource + ": a line without a rank at byte " + line);
                }
                byte[] token = base64.decode(Arrays.copyOfRange(file, line, space));
                starts[tokens] = length;
                System.arraycopy(token, 0, bytes, length, token.length);
                length += token.length;
                String rank = new String(file, space + 1, end - space - 1, StandardCharsets.US_ASCII).trim();
                if (Integer.parseInt(rank) != tokens) {
                    throw new IllegalStateException(resource + ": rank " + rank + " on line " + (tokens + 1) + " is not its line's");
                }
                tokens++;
            }
            line = end + 1;
        }
        starts[tokens] = length;
        return new BytePairEncoding(name, preTokens, Arrays.copyOf(bytes, length), Arrays.copyOf(starts, tokens + 1));
    }

    String name() {
        return name;
    }

    /** Tokens in {@code text}, special-token text counted as ordinary text. */
    int countOrdinary(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        Scratch scratch = SCRATCH.get();
        Matcher matcher = preTokens.matcher(text);
        int tokens = 0;
        while (matcher.find()) {
            int length = scratch.utf8(text, matcher.start(), matcher.end());
            tokens += countPiece(scratch.bytes, length, scratch);
        }
        return tokens;
    }

    /** Tokens of text that is a single pre-token (split by the caller as this encoding's expression would). */
    int countPreToken(String preToken) {
        Scratch scratch = SCRATCH.get();
        int length = scratch.utf8(preToken, 0, preToken.length());
        return countPiece(scratch.bytes, length, scratch);
    }

    /** The rank of {@code bytes[from .. to)}, or {@link #NOT_A_TOKEN}. */
    int rank(byte[] bytes, int from, int to) {
        int mask = slots.length - 1;
        int length = to - from;
        for (int slot = hash(bytes, from, to) & mask; ; slot = (slot + 1) & mask) {
            int rank = slots[slot] - 1;
            if (rank < 0) {
                return NOT_A_TOKEN;
            }
            int start = tokenStart[rank];
            if (tokenStart[rank + 1] - start == length && Arrays.equals(tokenBytes, start, start + length, bytes, from, to)) {
                return rank;
            }
        }
    }

    /**
     * The merge, over a linked list of parts (each named by the index of its first byte) and a heap of candidate pairs
     * ordered by rank, then position: the leftmost pair of lowest rank is always merged next. A candidate whose part
     * has since been merged away or grown is stale (its pair's bytes, and so its rank, changed) and skipped.
     */
    private int countPiece(byte[] piece, int length, Scratch scratch) {
        if (length <= 1) {
            return length;
        }
        if (rank(piece, 0, length) != NOT_A_TOKEN) {
            return 1;
        }
        scratch.ensure(length);
        int[] next = scratch.next;
        int[] previous = scratch.previous;
        int[] pairRank = scratch.pairRank;
        Heap heap = scratch.heap;
        heap.clear();
        for (int i = 0; i < length; i++) {
            next[i] = i + 1;
            previous[i] = i - 1;
        }
        for (int i = 0; i + 1 < length; i++) {
            pairRank[i] = rank(piece, i, i + 2);
            if (pairRank[i] != NOT_A_TOKEN) {
                heap.push(pairRank[i], i);
            }
        }
        pairRank[length - 1] = NOT_A_TOKEN;
        int parts = length;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            if (pairRank[left] != rank) {
                continue;
            }
            int right = next[left];
            int after = next[right];
            next[left] = after;
            if (after < length) {
                previous[after] = left;
            }
            pairRank[right] = -1;
            parts--;
            pairRank[left] = after < length ? rank(piece, left, next[after]) : NOT_A_TOKEN;
            if (pairRank[left] != NOT_A_TOKEN) {
                heap.push(pairRank[left], left);
            }
            int before = previous[left];
            if (before >= 0) {
                pairRank[before] = rank(piece, before, after);
                if (pairRank[before] != NOT_A_TOKEN) {
                    heap.push(pairRank[before], before);
                }
            }
        }
        return parts;
    }

    private static int hash(byte[] bytes, int from, int to) {
        int hash = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            hash = (hash ^ bytes[i]) * 0x01000193;
        }
        return hash ^ (hash >>> 15);
    }

    /** A binary min-heap of {@code rank << 32 | position}. */
    private static final class Heap {
        private long[] items = new long[64];
        private int size;

        void clear() {
            size = 0;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(int rank, int position) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            long item = (long) rank << 32 | position;
            int at = size++;
            while (at > 0) {
                int parent = (at - 1) >>> 1;
                if (items[parent] <= item) {
                    break;
                }
                items[at] = items[parent];
                at = parent;
            }
            items[at] = item;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int at = 0;
            while (true) {
                int child = 2 * at + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (items[child] >= last) {
                    break;
                }
                items[at] = items[child];
                at = child;
            }
            items[at] = last;
            return top;
        }
    }

    /** One thread's working arrays, grown as needed. */
    private static final class Scratch {
        byte[] bytes = new byte[256];
        int[] next = new int[64];
        int[] previous = new int[64];
        int[] pairRank = new int[64];
        final Heap heap = new Heap();

        void ensure(int length) {
            if (next.length < length) {
                int size = Integer.highestOneBit(length - 1) * 2;
                next = new int[size];
                previous = new int[size];
                pairRank = new int[size];
            }
        }

        /** Encodes {@code text[from .. to)} as UTF-8 into {@link #bytes}, an unpaired surrogate as '?' (as String.getBytes). */
        int utf8(String text, int from, int to) {
            if (bytes.length < 3 * (to - from)) {
                bytes = new byte[Integer.highestOneBit(3 * (to - from) - 1) * 2];
            }
            byte[] out = bytes;
            int n = 0;
            for (int i = from; i < to; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    out[n++] = (byte) c;
                } else if (c < 0x800) {
                    out[n++] = (byte) (0xC0 | c >> 6);
                    out[n++] = (byte) (0x80 | c & 0x3F);
                } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                    int code = Character.toCodePoint(c, text.charAt(++i));
                    out[n++] = (byte) (0xF0 | code >> 18);
                    out[n++] = (byte) (0x80 | code >> 12 & 0x3F);
                    out[n++] = (byte) (0x80 | code >> 6 & 0x3F);
                    out[n++] = (byte) (0x80 | code & 0x3F);
                } else if (Character.isSurrogate(c)) {
                    out[n++] = '?';
                } else {
                    out[n++] = (byte) (0xE0 | c >> 12);
                    out[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                    out[n++] = (byte) (0x80 | c & 0x3F);
                }
            }
            return n;
        }
    }
}
