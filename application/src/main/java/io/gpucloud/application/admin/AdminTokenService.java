package io.gpucloud.application.admin;

import io.gpucloud.domain.admin.AdminTokenStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the admin token's hash. The operator's {@code ADMIN_TOKEN} wins; otherwise a token is
 * generated at the first start, shown once, and only its hash is stored, so it survives restarts.
 */
public final class AdminTokenService implements AuthenticateAdminUseCase {
    public static final String GENERATED_PREFIX = "gca-";

    private final AtomicReference<KeyHash> expected = new AtomicReference<>();

    /** Uses the configured token; nothing is stored. */
    public static AdminTokenService configured(String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("ADMIN_TOKEN must be at least 16 characters");
        }
        AdminTokenService service = new AdminTokenService();
        service.expected.set(KeyHash.of(token));
        return service;
    }

    /** Admits nobody until {@link #loadOrGenerate} has run (the database may not be up yet). */
    public static AdminTokenService pending() {
        return new AdminTokenService();
    }

    /**
     * Loads the stored hash, or generates, stores and returns a new token (to be shown once).
     * Blocking. Empty when a token already existed.
     */
    public Optional<String> loadOrGenerate(AdminTokenStore store) {
        if (expected.get() != null) {
            return Optional.empty();
        }
        Optional<KeyHash> stored = store.find();
        if (stored.isPresent()) {
            expected.set(stored.get());
            return Optional.empty();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = GENERATED_PREFIX + HexFormat.of().formatHex(random);
        KeyHash kept = store.saveIfAbsent(KeyHash.of(token));
        expected.set(kept);
        return kept.matches(KeyHash.of(token)) ? Optional.of(token) : Optional.empty();
    }

    public boolean isConfigured() {
        return expected.get() != null;
    }

    @Override
    public boolean isAdmin(String presentedToken) {
        KeyHash want = expected.get();
        return want != null && presentedToken != null && !presentedToken.isEmpty()
                && want.matches(KeyHash.of(presentedToken));
    }
}
