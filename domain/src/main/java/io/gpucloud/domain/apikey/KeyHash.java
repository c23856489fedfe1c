package io.gpucloud.domain.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * SHA-256 of a secret, in lower-case hex. The only form in which secrets are stored. A fast hash
 * is right here: secrets carry 256 bits of randomness, so there is nothing to brute-force.
 */
public record KeyHash(String hex) {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public KeyHash {
        if (hex == null || !SHA256_HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("key hash must be 64 lower-case hex characters");
        }
    }

    public static KeyHash of(String secret) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return new KeyHash(HexFormat.of().formatHex(sha256.digest(secret.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required by every JDK", impossible);
        }
    }

    /** Compares in time independent of where the first difference is. */
    public boolean matches(KeyHash other) {
        return other != null && MessageDigest.isEqual(
                hex.getBytes(StandardCharsets.US_ASCII), other.hex.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "KeyHash[" + hex.substring(0, 8) + "…]";
    }
}
