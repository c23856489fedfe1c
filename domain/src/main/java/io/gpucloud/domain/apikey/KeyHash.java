package io.gpucloud.domain.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a secret, in lower-case hex. The only form in which secrets are stored. A fast hash
 * is right here: secrets carry 256 bits of randomness, so there is nothing to brute-force.
 */
public record KeyHash(String hex) {
    private static final int HEX_LENGTH = 64;
    /** Cloned for each hash: cheaper than looking the algorithm up in the providers on every API call. */
    private static final MessageDigest SHA256 = sha256();

    public KeyHash {
        if (hex == null || !isLowerHex(hex)) {
            throw new IllegalArgumentException("key hash must be 64 lower-case hex characters");
        }
    }

    public static KeyHash of(String secret) {
        return new KeyHash(HexFormat.of().formatHex(newDigest().digest(secret.getBytes(StandardCharsets.UTF_8))));
    }

    /** Exactly 64 characters of {@code [0-9a-f]}. */
    private static boolean isLowerHex(String text) {
        if (text.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < HEX_LENGTH; i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required by every JDK", impossible);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException notCloneable) {
            return sha256();
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
