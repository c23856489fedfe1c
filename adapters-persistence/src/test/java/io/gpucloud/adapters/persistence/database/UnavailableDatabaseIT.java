package io.gpucloud.adapters.persistence.database;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.admin.JdbiAdminTokenStore;
import io.gpucloud.adapters.persistence.apikey.JdbiApiKeyStore;
import io.gpucloud.adapters.persistence.deployment.JdbiDeploymentStore;
import io.gpucloud.adapters.persistence.usage.JdbiUsageLedger;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnavailableDatabaseIT {
    private static Database down;

    @BeforeAll
    static void pointAtAClosedPort() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        DatabaseUrl url = DatabaseUrl.parse("postgres://gpu:hunter2@127.0.0.1:" + closedPort + "/gpucloud");
        down = new Database(url, new Database.Settings(2, Duration.ofMillis(500)));
    }

    @AfterAll
    static void close() {
        down.close();
    }

    @Test
    void construction_whilePostgresIsDown_succeeds_andReachabilityIsFalse() {
        assertFalse(down.isReachable());
    }

    @Test
    void keyStore_whilePostgresIsDown_throwsUnavailableQuickly_neverNotFound() {
        JdbiApiKeyStore keys = new JdbiApiKeyStore(down);

        assertUnavailable(() -> keys.findByHash(KeySecret.generate().hash()));
        assertUnavailable(() -> keys.findById(ApiKeyId.random()));
        assertUnavailable(keys::list);
        assertUnavailable(() -> keys.revoke(ApiKeyId.random(), Instant.now()));
    }

    @Test
    void otherStores_whilePostgresIsDown_throwUnavailable() {
        JdbiUsageLedger ledger = new JdbiUsageLedger(down);
        UsageRecord record = new UsageRecord(RequestId.random(), ApiKeyId.random(), "m", 1, 1, 1,
                UsageStatus.COMPLETED, Instant.now());

        assertUnavailable(() -> ledger.append(List.of(record)));
        assertUnavailable(() -> ledger.tokensUsed(ApiKeyId.random(), YearMonth.now()));
        assertUnavailable(() -> new JdbiDeploymentStore(down).findById(DeploymentId.random()));
        assertUnavailable(() -> new JdbiAdminTokenStore(down).find());
    }

    @Test
    void migrate_whilePostgresIsDown_throwsUnavailable() {
        assertUnavailable(down::migrate);
        assertUnavailable(down::migrateUnlessUpToDate);
        assertUnavailable(down::isMigrated);
    }

    @Test
    void store_onADatabaseWithoutSchema_throwsUnavailableSayingToMigrate() {
        Database unmigrated = TestDatabase.open(TestDatabase.createDatabase());

        ApiKeyId id = ApiKeyId.random();

        UnavailableException failure = assertThrows(UnavailableException.class,
                () -> new JdbiApiKeyStore(unmigrated).findById(id));

        assertTrue(failure.getMessage().contains("run the migrations"), failure.getMessage());
        assertTrue(failure.getCause().getMessage().contains("FROM api_keys"), failure.getCause().getMessage());
        assertFalse(failure.getCause().getMessage().contains(id.toString()), "bound values stay out of messages");
    }

    private static void assertUnavailable(Executable operation) {
        long started = System.nanoTime();
        UnavailableException failure = assertThrows(UnavailableException.class, operation);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals("database", failure.dependency());
        assertTrue(failure.getMessage().contains("127.0.0.1:" + down.url().port() + "/gpucloud"), failure.getMessage());
        assertFalse(failure.getMessage().contains("hunter2"), failure.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
    }
}
