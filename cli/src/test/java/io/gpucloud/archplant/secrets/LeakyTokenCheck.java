package io.gpucloud.archplant.secrets;

import io.gpucloud.domain.apikey.KeyHash;

/** Planted violation for SecretComparisonTest: compares a token with String.equals (early exit leaks timing). */
public final class LeakyTokenCheck {
    private final String expectedToken = "planted-admin-token-0123456789";

    public boolean isAdmin(String presentedToken) {
        return expectedToken.equals(presentedToken) && KeyHash.of(presentedToken) != null;
    }
}
