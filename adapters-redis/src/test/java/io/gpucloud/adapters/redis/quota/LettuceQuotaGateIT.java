package io.gpucloud.adapters.redis.quota;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.application.contract.QuotaGateContract;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.QuotaRules;
import io.gpucloud.application.quota.QuotaSettings;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.health.ServiceState;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.RefusalReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The quota contract on a real Redis, and what only several instances on one Redis can show. */
class LettuceQuotaGateIT extends QuotaGateContract {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisUrl url;
    private static RedisConnection shared;

    @BeforeAll
    static void connect() {
        url = TestRedis.url();
        shared = TestRedis.connect(url, PREFIX);
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        shared.close();
        TestRedis.deleteKeys(url, PREFIX);
    }

    /** REFUSE, so that a Redis failure shows as UNAVAILABLE instead of hiding behind the fallback. */
    @Override
    protected Subject open(QuotaSettings settings, BudgetSource budgets) {
        return new OnRedis(new LettuceQuotaGate(shared, budgets, QuotaWhenRedisDown.REFUSE, Clock.systemUTC(), settings));
    }

    @Override
    protected QuotaSettings slidingSettings() {
        return new QuotaSettings(Duration.ofMillis(900), Duration.ofMillis(400));
    }

    // ---- several instances on one Redis ------------------------------------------------------

    @Test
    void admit_onTwoInstancesRacingForOneKey_admitsExactlyTheRpm() throws Exception {
        try (Instances two = new Instances(BudgetSource.none())) {
            Limits limits = limits(100, 0, 0, 0);
            ApiKeyId key = ApiKeyId.random();

            List<Admission> outcomes = race(50, 20, call -> two.admit(call, key, limits, 10));

            assertExactly(100, RefusalReason.REQUESTS, outcomes);
            assertEquals(0, two.fallbacks());
        }
    }

    @Test
    void admit_onTwoInstancesRacingForTokens_admitsExactlyTheTpm() throws Exception {
        try (Instances two = new Instances(BudgetSource.none())) {
            Limits limits = limits(0, 1_000, 0, 0);
            ApiKeyId key = ApiKeyId.random();

            List<Admission> outcomes = race(50, 20, call -> two.admit(call, key, limits, 10));

            assertExactly(100, RefusalReason.TOKENS, outcomes);
            assertEquals(0, two.fallbacks());
        }
    }

    @Test
    void aWindowEmptiedAndStartedAgain_getsItsExpiry_whileTheOtherKeysAreFresh() {
        // A short window and a long reservation timeout: the call below stays held (its reservation key fresh) while
        // its admission leaves the rpm window, whose key the next admission then creates again.
        Subject subject = subject(new QuotaSettings(Duration.ofMillis(300), Duration.ofMinutes(2)), BudgetSource.none());
        ApiKeyId key = ApiKeyId.random();
        Limits limits = limits(10, 0, 0, 5);
        admitted(admit(subject, new QuotaRequest(key, RequestId.random(), limits, 1, subject.now())));
        subject.pass(Duration.ofMillis(300));
        admitted(admit(subject, new QuotaRequest(key, RequestId.random(), limits, 1, subject.now())));

        TestRedis.withCommands(url, commands -> {
            for (String part : List.of("requests", "pending", "reservations")) {
                String name = PREFIX + "quota:" + key + ":" + part;
                assertEquals(1, commands.exists(name), name);
                assertTrue(commands.pttl(name) > 0, name + " expires when idle");
            }
        });
    }

    @Test
    void settlements_comingTogether_goInFewerScriptCalls_andEachIsApplied() {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection own = TestRedis.connect(url, prefix)) {
            LettuceQuotaGate gate = new LettuceQuotaGate(own, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC());
            int calls = 200;
            Limits limits = limits(0, 100_000, 0, calls);
            ApiKeyId key = ApiKeyId.random();
            List<Admission.Admitted> held = new ArrayList<>();
            for (int call = 0; call < calls; call++) {
                held.add((Admission.Admitted) join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 100, Instant.now()))));
            }
            refused(RefusalReason.CONCURRENCY, join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));

            List<CompletableFuture<Void>> settling = new ArrayList<>();
            for (Admission.Admitted call : held) {
                settling.add(gate.settle(call.reservation(), 10).toCompletableFuture());
            }
            settling.forEach(LettuceQuotaGateIT::join);

            assertTrue(gate.settleBatches() <= calls / 2, calls + " settlements in " + gate.settleBatches() + " script calls");
            assertEquals(0, gate.failedSettles());
            Admission.Admitted after = (Admission.Admitted) join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now())));
            assertEquals(100_000 - calls * 10 - 1, after.snapshot().tokens().orElseThrow().remaining(),
                    "every call charged its 10 tokens instead of its estimate of 100");
            for (int call = 1; call < calls; call++) {
                assertTrue(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now())))
                        instanceof Admission.Admitted, "every concurrency slot was freed");
            }
        } finally {
            TestRedis.deleteKeys(url, prefix);
        }
    }

    @Test
    void admit_afterTheBudgetIsSpent_refusesOnEveryInstance_evenAfterRedisLostItsCounters() {
        Map<ApiKeyId, Long> ledger = new ConcurrentHashMap<>();
        try (Instances two = new Instances((key, month) -> ledger.getOrDefault(key, 0L))) {
            Limits limits = limits(0, 0, 1_000, 0);
            ApiKeyId key = ApiKeyId.random();

            int admitted = 0;
            for (int call = 0; call < 50; call++) {
                Admission admission = two.admit(call, key, limits, 100);
                if (admission instanceof Admission.Refused refused) {
                    assertEquals(RefusalReason.BUDGET, refused.reason());
                    break;
                }
                Admission.Admitted ok = (Admission.Admitted) admission;
                two.gate(call).settle(ok.reservation(), 100).toCompletableFuture().join();
                ledger.merge(key, 100L, Long::sum);
                admitted++;
            }
            assertEquals(10, admitted);
            for (int call = 0; call < 10; call++) {
                refused(RefusalReason.BUDGET, two.admit(call, key, limits, 1));
            }

            TestRedis.deleteKeys(url, two.prefix);

            for (int call = 0; call < 10; call++) {
                refused(RefusalReason.BUDGET, two.admit(call, key, limits, 1));
            }
            assertTrue(two.a.seededBudgets() + two.b.seededBudgets() >= 2, "the counter was rebuilt from the ledger");
            assertEquals(0, two.fallbacks());
        }
    }

    @Test
    void admit_whenAnInstanceDiesWithACallInFlight_freesItsSlotAfterTheReservationTimeout() throws Exception {
        QuotaSettings settings = slidingSettings();
        String prefix = TestRedis.uniquePrefix();
        Limits limits = limits(0, 0, 0, 1);
        ApiKeyId key = ApiKeyId.random();
        try (RedisConnection survivorConnection = TestRedis.connect(url, prefix)) {
            try (RedisConnection doomed = TestRedis.connect(url, prefix)) {
                LettuceQuotaGate dying = new LettuceQuotaGate(doomed, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC(), settings);
                admitted(join(dying.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
            }
            LettuceQuotaGate survivor = new LettuceQuotaGate(survivorConnection, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC(), settings);
            refused(RefusalReason.CONCURRENCY, join(survivor.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));

            Thread.sleep(settings.reservationTimeout().plusMillis(50).toMillis());

            admitted(join(survivor.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
        } finally {
            TestRedis.deleteKeys(url, prefix);
        }
    }

    // ---- key layout ----------------------------------------------------------------------------

    @Test
    void admit_keepsItsStateUnderTheKeysPrefixWithExpiries() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        ApiKeyId key = ApiKeyId.random();
        Instant now = subject.now();
        admitted(admit(subject, new QuotaRequest(key, RequestId.random(), limits(10, 1_000, 5_000, 2), 100, now)));

        String budgetKey = PREFIX + "budget:" + key + ":" + QuotaRules.monthOf(now);
        TestRedis.withCommands(url, commands -> {
            assertEquals("100", commands.get(budgetKey));
            assertTrue(commands.ttl(budgetKey) > Duration.ofDays(31).toSeconds());
            for (String part : List.of("requests", "tokens", "token-amounts", "pending", "reservations")) {
                String name = PREFIX + "quota:" + key + ":" + part;
                assertEquals(1, commands.exists(name), name);
                assertTrue(commands.pttl(name) > 0, name + " expires when idle");
            }
        });
    }

    // ---- Redis unavailable -----------------------------------------------------------------

    @Test
    void admit_whenRedisIsDownAndPolicyIsLocal_admitsOnTheFallbackAndCountsIt() {
        try (RedisConnection down = RedisConnection.open(TestRedis.closedPort(), TestRedis.settings(PREFIX))) {
            LettuceQuotaGate gate = new LettuceQuotaGate(down, BudgetSource.none(), QuotaWhenRedisDown.LOCAL, Clock.systemUTC());
            Limits limits = limits(1, 0, 0, 0);
            ApiKeyId key = ApiKeyId.random();

            Admission.Admitted first = admitted(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
            refused(RefusalReason.REQUESTS, join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
            join(gate.settle(first.reservation(), 0));
            admitted(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));

            assertEquals(3, gate.fallbacks());
            assertEquals(0, gate.failedSettles());
            assertEquals(ServiceState.DOWN, down.state());
        }
    }

    @Test
    void admit_whenRedisIsDownAndPolicyIsRefuse_refusesAsUnavailableWithARetryAfter() {
        try (RedisConnection down = RedisConnection.open(TestRedis.closedPort(), TestRedis.settings(PREFIX))) {
            LettuceQuotaGate gate = new LettuceQuotaGate(down, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC());

            Admission.Refused refused = refused(RefusalReason.UNAVAILABLE,
                    join(gate.admit(new QuotaRequest(ApiKeyId.random(), RequestId.random(), limits(10, 0, 0, 0), 1, Instant.now()))));
            Admission unlimited = join(gate.admit(new QuotaRequest(ApiKeyId.random(), RequestId.random(), Limits.none(), 1, Instant.now())));

            assertTrue(refused.retryAfter().isPositive());
            admitted(unlimited);
            assertEquals(1, gate.refusedUnavailable());
        }
    }

    @Test
    void admit_whenRedisStopsAndReturns_fallsBackThenIsExactAgain() throws Exception {
        TestRedis.Embedded server = TestRedis.startPrivate();
        try (RedisConnection redis = TestRedis.connect(server.url(), TestRedis.uniquePrefix())) {
            LettuceQuotaGate gate = new LettuceQuotaGate(redis, BudgetSource.none(), QuotaWhenRedisDown.LOCAL, Clock.systemUTC());
            Limits limits = limits(5, 0, 0, 0);
            admitted(join(gate.admit(new QuotaRequest(ApiKeyId.random(), RequestId.random(), limits, 1, Instant.now()))));
            assertEquals(0, gate.fallbacks());

            server.stop();
            awaitTrue("health reports redis down", () -> redis.state() == ServiceState.DOWN);
            admitted(join(gate.admit(new QuotaRequest(ApiKeyId.random(), RequestId.random(), limits, 1, Instant.now()))));
            assertEquals(1, gate.fallbacks());

            server.start();
            awaitTrue("health reports redis up", () -> redis.state() == ServiceState.UP);
            ApiKeyId key = ApiKeyId.random();
            List<Admission> outcomes = new ArrayList<>();
            for (int call = 0; call < 20; call++) {
                outcomes.add(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
            }
            assertExactly(5, RefusalReason.REQUESTS, outcomes);
            assertEquals(1, gate.fallbacks());
        } finally {
            server.stop();
        }
    }

    @Test
    void admit_afterRedisForgotTheScript_loadsItAgain() {
        TestRedis.Embedded server = TestRedis.startPrivate();
        try (RedisConnection redis = TestRedis.connect(server.url(), TestRedis.uniquePrefix())) {
            LettuceQuotaGate gate = new LettuceQuotaGate(redis, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC());
            ApiKeyId key = ApiKeyId.random();
            Limits limits = limits(2, 0, 0, 0);
            admitted(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));

            TestRedis.withCommands(server.url(), commands -> commands.scriptFlush());

            admitted(join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
            refused(RefusalReason.REQUESTS, join(gate.admit(new QuotaRequest(key, RequestId.random(), limits, 1, Instant.now()))));
        } finally {
            server.stop();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new AssertionError("the gate failed instead of answering", failure);
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Two "instances": two connections and two gates over one Redis, under a prefix of their own. */
    private static final class Instances implements AutoCloseable {
        final String prefix = TestRedis.uniquePrefix();
        final RedisConnection connectionA = TestRedis.connect(url, prefix);
        final RedisConnection connectionB = TestRedis.connect(url, prefix);
        final LettuceQuotaGate a;
        final LettuceQuotaGate b;

        Instances(BudgetSource budgets) {
            a = new LettuceQuotaGate(connectionA, budgets, QuotaWhenRedisDown.LOCAL, Clock.systemUTC());
            b = new LettuceQuotaGate(connectionB, budgets, QuotaWhenRedisDown.LOCAL, Clock.systemUTC());
        }

        /** Calls alternate between the instances. */
        QuotaGate gate(int call) {
            return call % 2 == 0 ? a : b;
        }

        Admission admit(int call, ApiKeyId key, Limits limits, long tokens) {
            return join(gate(call).admit(new QuotaRequest(key, RequestId.random(), limits, tokens, Instant.now())));
        }

        long fallbacks() {
            return a.fallbacks() + b.fallbacks();
        }

        @Override
        public void close() {
            connectionA.close();
            connectionB.close();
            TestRedis.deleteKeys(url, prefix);
        }
    }

    private record OnRedis(QuotaGate gate) implements Subject {
        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void pass(Duration duration) {
            try {
                Thread.sleep(duration.plusMillis(30).toMillis());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        }
    }
}
