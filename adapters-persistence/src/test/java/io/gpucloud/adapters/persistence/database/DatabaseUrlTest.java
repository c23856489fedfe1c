package io.gpucloud.adapters.persistence.database;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseUrlTest {

    @Test
    void parse_postgresUrl_readsEveryPart() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:s3cret@db.internal:6543/gpucloud");

        assertEquals("db.internal", url.host());
        assertEquals(6543, url.port());
        assertEquals("gpucloud", url.database());
        assertEquals(Optional.of("gpu"), url.user());
        assertEquals(Optional.of("s3cret"), url.password());
        assertEquals("jdbc:postgresql://db.internal:6543/gpucloud", url.jdbcUrl());
    }

    @Test
    void parse_postgresqlScheme_isTheSameAsPostgres() {
        assertEquals(DatabaseUrl.parse("postgres://gpu:pw@db:5433/app"), DatabaseUrl.parse("postgresql://gpu:pw@db:5433/app"));
    }

    @Test
    void parse_railwayStyleUrl_works() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://postgres:AbCdEf123@containers-us-west-1.railway.app:7432/railway");

        assertEquals("postgres@containers-us-west-1.railway.app:7432/railway", url.describe());
        assertEquals(Optional.of("AbCdEf123"), url.password());
    }

    @Test
    void parse_withoutPort_usesTheDefaultPort() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:pw@db.internal/gpucloud");

        assertEquals(5432, url.port());
        assertEquals("jdbc:postgresql://db.internal:5432/gpucloud", url.jdbcUrl());
    }

    @Test
    void parse_percentEncodedPassword_decodesAtColonAndPercent() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:p%40ss%3Aw%25rd%2F%3F%23@db:5432/gpucloud");

        assertEquals(Optional.of("p@ss:w%rd/?#"), url.password());
        assertEquals("db", url.host());
    }

    @Test
    void parse_passwordWithUnencodedAtAndColon_stillFindsTheHost() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:p@ss:w@rd@db.internal:5433/gpucloud");

        assertEquals(Optional.of("p@ss:w@rd"), url.password());
        assertEquals("db.internal", url.host());
        assertEquals(5433, url.port());
    }

    @Test
    void parse_passwordWithUnencodedSlash_stillFindsTheHost() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:a/b@db.internal/gpucloud");

        assertEquals(Optional.of("a/b"), url.password());
        assertEquals("gpucloud", url.database());
    }

    @Test
    void parse_percentNotFollowedByHex_staysAPercent() {
        assertEquals(Optional.of("50%off"), DatabaseUrl.parse("postgres://gpu:50%off@db/gpucloud").password());
    }

    @Test
    void parse_plusInPassword_staysAPlus() {
        assertEquals(Optional.of("a+b"), DatabaseUrl.parse("postgres://gpu:a+b@db/gpucloud").password());
    }

    @Test
    void parse_percentEncodedUser_isDecoded() {
        assertEquals(Optional.of("gpu@team"), DatabaseUrl.parse("postgres://gpu%40team:pw@db/gpucloud").user());
    }

    @Test
    void parse_withoutCredentials_hasNoUserOrPassword() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://db.internal/gpucloud");

        assertEquals(Optional.empty(), url.user());
        assertEquals(Optional.empty(), url.password());
    }

    @Test
    void parse_userWithoutPassword_hasOnlyTheUser() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://postgres@127.0.0.1:5432/postgres");

        assertEquals(Optional.of("postgres"), url.user());
        assertEquals(Optional.empty(), url.password());
    }

    @Test
    void parse_withoutDatabase_usesTheUserName() {
        assertEquals("gpu", DatabaseUrl.parse("postgres://gpu:pw@db").database());
        assertEquals("postgres", DatabaseUrl.parse("postgres://db:5432/").database());
    }

    @Test
    void parse_sslmode_isPassedToTheDriver() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:pw@db:5432/gpucloud?sslmode=require");

        assertEquals(Map.of("sslmode", "require"), url.parameters());
        assertEquals("jdbc:postgresql://db:5432/gpucloud?sslmode=require", url.jdbcUrl());
    }

    @Test
    void parse_libpqParameters_areTranslatedAndOthersKept() {
        DatabaseUrl url = DatabaseUrl.parse(
                "postgresql://gpu:pw@db/gpucloud?sslmode=verify-full&connect_timeout=5&application_name=api&sslrootcert=%2Fetc%2Fca.pem");

        assertEquals("jdbc:postgresql://db:5432/gpucloud?sslmode=verify-full&connectTimeout=5&ApplicationName=api"
                + "&sslrootcert=%2Fetc%2Fca.pem", url.jdbcUrl());
    }

    @Test
    void parse_ipv6Host_keepsItsBrackets() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:pw@[::1]:5433/gpucloud");

        assertEquals("::1", url.host());
        assertEquals("jdbc:postgresql://[::1]:5433/gpucloud", url.jdbcUrl());
    }

    @Test
    void parse_jdbcUrlWithCredentialsAsParameters_movesThemOutOfTheUrl() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db.internal:5433/gpucloud?user=gpu&password=p%40ss&sslmode=disable");

        assertEquals(Optional.of("gpu"), url.user());
        assertEquals(Optional.of("p@ss"), url.password());
        assertEquals("jdbc:postgresql://db.internal:5433/gpucloud?sslmode=disable", url.jdbcUrl());
    }

    @Test
    void parse_jdbcUrlWithSeparateCredentials_takesThem() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db.internal/gpucloud").withUser("gpu").withPassword("p@ss:%");

        assertEquals(Optional.of("gpu"), url.user());
        assertEquals(Optional.of("p@ss:%"), url.password());
        assertEquals("jdbc:postgresql://db.internal:5432/gpucloud", url.jdbcUrl());
    }

    @Test
    void parse_jdbcUrlWithoutHost_meansLocalhost() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql:gpucloud");

        assertEquals("localhost:5432/gpucloud", url.describe());
    }

    @Test
    void describe_namesHostPortAndDatabase_butNeverThePassword() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:hunter2@db.internal:5433/gpucloud");

        assertEquals("gpu@db.internal:5433/gpucloud", url.describe());
        assertFalse(url.toString().contains("hunter2"));
        assertFalse(url.jdbcUrl().contains("hunter2"));
    }

    @Test
    void withDatabase_keepsServerAndCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:pw@db:5433/postgres?sslmode=require").withDatabase("other");

        assertEquals("jdbc:postgresql://db:5433/other?sslmode=require", url.jdbcUrl());
        assertEquals(Optional.of("pw"), url.password());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "mysql://gpu:hunter2@db/gpucloud",
            "hunter2",
            "postgres://gpu:hunter2@db:notaport/gpucloud",
            "postgres://gpu:hunter2@db:99999/gpucloud",
            "postgres://gpu:hunter2@db:5432,db2:5432/gpucloud",
            "postgres://gpu:hunt?er2@db/gpucloud",
            "postgres://gpu:hunter2@[::1/gpucloud",
            "postgres://gpu:hunter2@db host/gpucloud",
    })
    void parse_garbage_failsWithAClearMessageWithoutThePassword(String text) {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(text));

        assertTrue(failure.getMessage().startsWith("database URL"), failure.getMessage());
        assertFalse(failure.getMessage().contains("hunter2"), failure.getMessage());
        assertFalse(failure.getMessage().contains("hunt"), failure.getMessage());
    }

    @Test
    void parse_emptyText_failsClearly() {
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(""));
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(null));
    }
}
