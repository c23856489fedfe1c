package io.gpucloud.domain.apikey;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * An API key's secret: {@code sk-gc-} + 43 base62 characters (256 random bits) + a 6-character
 * base62 CRC32 of them. The checksum lets a mistyped or truncated key be refused without touching
 * storage, and the fixed shape lets secret scanners recognise leaked keys.
 *
 * <p>Never logged: {@link #toString()} shows only the display prefix.
 */
public final class KeySecret {
    public static final String PREFIX = "sk-gc-";
    static final int BODY_LENGTH = 43;
    static final int CHECKSUM_LENGTH = 6;
    public static final int LENGTH = PREFIX.length() + BODY_LENGTH + CHECKSUM_LENGTH;
    /** How many leading characters may be shown to people: the scheme plus 6 of 43 random characters. */
    public static final int DISPLAY_PREFIX_LENGTH = PREFIX.length() + 6;

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** ASCII characters of the base62 alphabet: the shape check runs on every API call. */
    private static final boolean[] IS_BASE62 = new boolean[128];

    static {
        for (int i = 0; i < BASE62.length(); i++) {
            IS_BASE62[BASE62.charAt(i)] = true;
        }
    }
    private static final BigInteger SIXTY_TWO = BigInteger.valueOf(62);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;

    private KeySecret(String value) {
        this.value = value;
    }

    public static KeySecret generate() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String body = base62(new BigInteger(1, random), BODY_LENGTH);
        return new KeySecret(PREFIX + body + checksum(body));
    }

    /**
     * Parses untrusted text. Empty when the length, alphabet or checksum is wrong: such a key can
     * never exist, so storage is not consulted.
     */
    public static Optional<KeySecret> parse(String text) {
        if (text == null || text.length() != LENGTH || !text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        for (int i = PREFIX.length(); i < LENGTH; i++) {
            char c = text.charAt(i);
            if (c >= IS_BASE62.length || !IS_BASE62[c]) {
                return Optional.empty();
            }
        }
        byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
        byte[] givenChecksum = Arrays.copyOfRange(ascii, PREFIX.length() + BODY_LENGTH, LENGTH);
        // Compared without String.equals, as every secret-derived value is (SecretComparisonTest enforces it).
        if (!MessageDigest.isEqual(checksumDigits(ascii, PREFIX.length()), givenChecksum)) {
            return Optional.empty();
        }
        return Optional.of(new KeySecret(text));
    }

    /** The full secret: to be shown once to whoever created the key, and never stored. */
    public String reveal() {
        return value;
    }

    public KeyHash hash() {
        return KeyHash.of(value);
    }

    public String displayPrefix() {
        return value.substring(0, DISPLAY_PREFIX_LENGTH);
    }

    private static String checksum(String body) {
        return new String(checksumDigits(body.getBytes(StandardCharsets.US_ASCII), 0), StandardCharsets.US_ASCII);
    }

    /** The base62 CRC32 of the {@value #BODY_LENGTH} ASCII characters at {@code from}, as ASCII digits. */
    private static byte[] checksumDigits(byte[] ascii, int from) {
        CRC32 crc = new CRC32();
        crc.update(ascii, from, BODY_LENGTH);
        long rest = crc.getValue();
        byte[] digits = new byte[CHECKSUM_LENGTH];
        for (int i = CHECKSUM_LENGTH - 1; i >= 0; i--) {
            digits[i] = (byte) BASE62.charAt((int) (rest % 62));
            rest /= 62;
        }
        return digits; // 62^6 > 2^32: a CRC32 always fits
    }

    private static String base62(BigInteger number, int width) {
        char[] out = new char[width];
        BigInteger rest = number;
        for (int i = width - 1; i >= 0; i--) {
            BigInteger[] divRem = rest.divideAndRemainder(SIXTY_TWO);
            out[i] = BASE62.charAt(divRem[1].intValue());
            rest = divRem[0];
        }
        if (rest.signum() != 0) {
            throw new IllegalStateException("number does not fit in " + width + " base62 digits");
        }
        return new String(out);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeySecret that && hash().matches(that.hash());
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return displayPrefix() + "…";
    }
}
