package io.gpucloud.cli;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 9, item 3: no secret is compared with {@code String.equals} (or any comparison that stops at the first
 * difference). The classes that hold or see secrets — API keys ({@code KeySecret}), their hashes ({@code KeyHash}),
 * bearer tokens (admin and metrics) — must compare through {@code MessageDigest.isEqual} (as {@code KeyHash.matches}
 * does). Looking a key up by its hash in a map or an index is not a comparison of secrets: the attacker controls the
 * input, not the SHA-256 it is compared as.
 *
 * <p>Shown once to fail on a planted violation ({@code io.gpucloud.archplant.secrets.LeakyTokenCheck}).
 */
class SecretComparisonTest {
    private static final String ROOT = "io.gpucloud";
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
    private static final JavaClasses PLANTED = new ClassFileImporter().importPackages("io.gpucloud.archplant.secrets");

    /** The types whose presence in a class means the class handles a secret. */
    private static final Set<String> SECRET_TYPES = Set.of(
            "io.gpucloud.domain.apikey.KeySecret",
            "io.gpucloud.domain.apikey.KeyHash",
            "io.gpucloud.adapters.http.auth.BearerToken",
            "io.gpucloud.application.admin.AuthenticateAdminUseCase",
            "io.gpucloud.domain.admin.AdminTokenStore");

    private static final DescribedPredicate<JavaClass> HANDLES_SECRETS = new DescribedPredicate<>("handle secrets (KeySecret, "
            + "KeyHash, bearer tokens, the admin token)") {
        @Override
        public boolean test(JavaClass type) {
            return SECRET_TYPES.contains(type.getName())
                    || type.getDirectDependenciesFromSelf().stream().anyMatch(d -> SECRET_TYPES.contains(d.getTargetClass().getName()));
        }
    };

    /** Comparisons that return at the first differing character. */
    private static final DescribedPredicate<JavaAccess<?>> EARLY_EXIT_COMPARISON = new DescribedPredicate<>(
            "String.equals/equalsIgnoreCase/contentEquals/compareTo, Objects.equals or Arrays.equals") {
        @Override
        public boolean test(JavaAccess<?> access) {
            if (!(access instanceof JavaMethodCall call)) {
                return false;
            }
            String owner = call.getTargetOwner().getName();
            String name = call.getName();
            return (owner.equals("java.lang.String") && Set.of("equals", "equalsIgnoreCase", "contentEquals", "compareTo",
                    "compareToIgnoreCase", "regionMatches").contains(name) && !isKnownSafe(call))
                    || (owner.equals("java.util.Objects") && name.equals("equals"))
                    || (owner.equals("java.util.Arrays") && name.equals("equals"));
        }
    };

    /**
     * Calls in secret-handling classes that compare no secret: the Authorization scheme word ("Bearer") and the
     * request-id check for key-looking ids (a prefix test on public text).
     */
    private static boolean isKnownSafe(JavaMethodCall call) {
        String origin = call.getOriginOwner().getName() + "#" + call.getOrigin().getName();
        return call.getName().equals("regionMatches") && Set.of(
                "io.gpucloud.adapters.http.auth.BearerToken#of",
                "io.gpucloud.adapters.http.EdgeHandler#looksLikeASecret").contains(origin);
    }

    static ArchRule noSecretIsComparedWithStringEquals() {
        return noClasses().that(HANDLES_SECRETS).should().accessTargetWhere(EARLY_EXIT_COMPARISON)
                .as("classes that handle secrets compare them in constant time (MessageDigest.isEqual), never with String.equals");
    }

    @Test
    void noSecretIsComparedWithStringEquals_andTheRuleCatchesAPlantedOne() {
        noSecretIsComparedWithStringEquals().check(PRODUCTION);
        assertThrows(AssertionError.class, () -> noSecretIsComparedWithStringEquals().check(PLANTED));
    }
}
