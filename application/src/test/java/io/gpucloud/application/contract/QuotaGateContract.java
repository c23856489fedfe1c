package io.gpucloud.application.contract;

import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.QuotaRules;
import io.gpucloud.application.quota.QuotaSettings;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RateWindow;
import io.gpucloud.domain.quota.RefusalReason;
import io.gpucloud.domain.quota.Reservation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link QuotaGate} must do, run against each adapter (in-process, Redis). Each test
 * uses fresh key ids, so adapters may share a store between tests.
 */
public abstract class QuotaGateContract {
    protected static final Duration MINUTE = Duration.ofSeconds(60);

    /** A gate under test and the time it decides by. */
    protected interface Subject extends AutoCloseable {
        QuotaGate gate();

        /** What callers put into {@link QuotaRequest#now()}. */
        Instant now();

        /** Lets at least {@code duration} of the gate's time pass (moves a clock, or waits). */
        void pass(Duration duration);

        @Override
        default void close() throws Exception {
        }
    }

    private final List<Subject> opened = new ArrayList<>();

    /** A gate over fresh state. */
    protected abstract Subject open(QuotaSettings settings, BudgetSource budgets);

    /**
     * Settings for the tests that let the window slide or a reservation time out: the real minute
     * where time is simulated, short where it really has to pass.
     */
    protected QuotaSettings slidingSettings() {
        return QuotaSettings.DEFAULT;
    }

    @AfterEach
    void closeSubjects() throws Exception {
        for (Subject subject : opened) {
            subject.close();
        }
        opened.clear();
    }

    // ---- exactness under concurrency -------------------------------------------------------

    @Test
    void admit_whenFiftyThreadsRaceForOneKey_admitsExactlyTheRpm() throws Exception {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(100, 0, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        List<Admission> outcomes = race(50, 20, call -> admit(subject, request(subject, key, limits, 10)));

        assertExactly(100, RefusalReason.REQUESTS, outcomes);
    }

    @Test
    void admit_whenFiftyThreadsRaceForTokens_admitsExactlyTheTpm() throws Exception {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        List<Admission> outcomes = race(50, 20, call -> admit(subject, request(subject, key, limits, 10)));

        assertExactly(100, RefusalReason.TOKENS, outcomes);
    }

    // ---- tokens per minute ---------------------------------------------------------------

    @Test
    void admit_whenTheEstimateNoLongerFits_refusesWithTokensAndNoTokensRemaining() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        admitted(admit(subject, request(subject, key, limits, 400)));
        Admission.Admitted second = admitted(admit(subject, request(subject, key, limits, 400)));
        Admission.Refused third = refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 400)));

        assertEquals(200, second.snapshot().tokens().orElseThrow().remaining());
        assertEquals(0, third.snapshot().tokens().orElseThrow().remaining());
        assertBetween(Duration.ofMillis(1), MINUTE, third.retryAfter());
        admitted(admit(subject, request(subject, key, limits, 200)));
    }

    @Test
    void admit_whenOneEstimateExceedsTheWholeTpm_admitsItIntoAnEmptyWindowOnly() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 100, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        admitted(admit(subject, request(subject, key, limits, 500)));

        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void settle_withFewerTokensThanEstimated_givesTheTokensBack() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted big = admitted(admit(subject, request(subject, key, limits, 1_000)));
        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 10)));
        settle(subject, big.reservation(), 10);

        Admission.Admitted after = admitted(admit(subject, request(subject, key, limits, 990)));
        assertEquals(0, after.snapshot().tokens().orElseThrow().remaining());
        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void settle_withMoreTokensThanEstimated_chargesTheDifference() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted call = admitted(admit(subject, request(subject, key, limits, 100)));
        settle(subject, call.reservation(), 900);

        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 101)));
        admitted(admit(subject, request(subject, key, limits, 100)));
    }

    @Test
    void settle_afterTheAdmissionLeftTheWindow_chargesWhatTheEstimateMissedNow() {
        QuotaSettings settings = slidingSettings();
        Subject subject = subject(settings.withReservationTimeout(settings.window().multipliedBy(3)), BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted longCall = admitted(admit(subject, request(subject, key, limits, 100)));
        subject.pass(settings.window());
        settle(subject, longCall.reservation(), 700);

        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 401)));
        admitted(admit(subject, request(subject, key, limits, 400)));
    }

    // ---- requests per minute and the sliding window ---------------------------------------

    @Test
    void admit_afterTheOldestCallLeavesTheWindow_admitsAgain() {
        QuotaSettings settings = slidingSettings();
        Subject subject = subject(settings, BudgetSource.none());
        Limits limits = limits(2, 0, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        admitted(admit(subject, request(subject, key, limits, 1)));
        subject.pass(settings.window().dividedBy(3));
        admitted(admit(subject, request(subject, key, limits, 1)));
        Admission.Refused third = refused(RefusalReason.REQUESTS, admit(subject, request(subject, key, limits, 1)));
        assertBetween(Duration.ofMillis(1), settings.window().minus(settings.window().dividedBy(3)), third.retryAfter());

        subject.pass(third.retryAfter());

        admitted(admit(subject, request(subject, key, limits, 1)));
        refused(RefusalReason.REQUESTS, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void admit_reportsLimitRemainingAndResetOfBothWindows() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(10, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted first = admitted(admit(subject, request(subject, key, limits, 100)));
        Admission.Admitted second = admitted(admit(subject, request(subject, key, limits, 300)));

        RateWindow requests = first.snapshot().requests().orElseThrow();
        RateWindow tokens = first.snapshot().tokens().orElseThrow();
        assertAll(
                () -> assertEquals(10, requests.limit()),
                () -> assertEquals(9, requests.remaining()),
                () -> assertBetween(MINUTE.minusSeconds(5), MINUTE, requests.resetAfter()),
                () -> assertEquals(1_000, tokens.limit()),
                () -> assertEquals(900, tokens.remaining()),
                () -> assertBetween(MINUTE.minusSeconds(5), MINUTE, tokens.resetAfter()),
                () -> assertEquals(8, second.snapshot().requests().orElseThrow().remaining()),
                () -> assertEquals(600, second.snapshot().tokens().orElseThrow().remaining()));
    }

    @Test
    void admit_whenRequestsAreSpent_reportsNoneRemainingAndARetryAfter() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(1, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        admitted(admit(subject, request(subject, key, limits, 100)));
        Admission.Refused refused = refused(RefusalReason.REQUESTS, admit(subject, request(subject, key, limits, 100)));

        assertEquals(0, refused.snapshot().requests().orElseThrow().remaining());
        assertEquals(900, refused.snapshot().tokens().orElseThrow().remaining());
        assertBetween(MINUTE.minusSeconds(5), MINUTE, refused.retryAfter());
    }

    @Test
    void settle_withZeroTokens_takesTheCallOutOfTheRequestWindow() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(1, 0, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted neverRan = admitted(admit(subject, request(subject, key, limits, 10)));
        refused(RefusalReason.REQUESTS, admit(subject, request(subject, key, limits, 10)));
        settle(subject, neverRan.reservation(), 0);

        admitted(admit(subject, request(subject, key, limits, 10)));
    }

    @Test
    void admit_forAKeyWithoutLimits_admitsWithEmptyWindows() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());

        Admission.Admitted admitted = admitted(admit(subject, request(subject, ApiKeyId.random(), Limits.none(), 1_000_000)));

        assertEquals(RateLimitSnapshot.unlimited(), admitted.snapshot());
        settle(subject, admitted.reservation(), 5);
    }

    // ---- monthly budget ---------------------------------------------------------------------

    @Test
    void admit_whenTheBudgetIsSpent_refusesWithBudgetAndStaysRefused() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 0, 1_000, 0);
        ApiKeyId key = ApiKeyId.random();

        for (int call = 0; call < 4; call++) {
            Admission.Admitted admitted = admitted(admit(subject, request(subject, key, limits, 300)));
            settle(subject, admitted.reservation(), 300);
        }
        Admission.Refused refused = refused(RefusalReason.BUDGET, admit(subject, request(subject, key, limits, 300)));

        Duration untilNextMonth = QuotaRules.untilNextMonth(subject.now());
        assertBetween(untilNextMonth.minusMinutes(1), untilNextMonth.plusMinutes(1), refused.retryAfter());
        for (int call = 0; call < 5; call++) {
            refused(RefusalReason.BUDGET, admit(subject, request(subject, key, limits, 1)));
        }
    }

    @Test
    void admit_whenTheLedgerShowsTheBudgetSpent_refusesTheFirstCall() {
        ApiKeyId key = ApiKeyId.random();
        List<YearMonth> asked = new CopyOnWriteArrayList<>();
        Subject subject = subject(QuotaSettings.DEFAULT, (askedKey, month) -> {
            asked.add(month);
            return askedKey.equals(key) ? 5_000 : 0;
        });

        refused(RefusalReason.BUDGET, admit(subject, request(subject, key, limits(0, 0, 5_000, 0), 1)));
        admitted(admit(subject, request(subject, key, limits(0, 0, 5_001, 0), 1)));

        assertEquals(List.of(QuotaRules.monthOf(subject.now())), asked.stream().distinct().toList());
    }

    @Test
    void admit_whenTheLedgerCannotBeRead_refusesAsUnavailableWithoutFailing() {
        Subject subject = subject(QuotaSettings.DEFAULT, (key, month) -> {
            throw new UnavailableException("database", "down");
        });

        Admission.Refused refused = refused(RefusalReason.UNAVAILABLE,
                admit(subject, request(subject, ApiKeyId.random(), limits(0, 0, 1_000, 0), 1)));

        assertTrue(refused.retryAfter().isPositive());
    }

    @Test
    void settle_withFewerTokensThanEstimated_givesTheBudgetBack() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 0, 1_000, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted big = admitted(admit(subject, request(subject, key, limits, 1_000)));
        refused(RefusalReason.BUDGET, admit(subject, request(subject, key, limits, 1)));
        settle(subject, big.reservation(), 10);

        admitted(admit(subject, request(subject, key, limits, 1)));
    }

    // ---- concurrency slots and settlement --------------------------------------------------

    @Test
    void settle_releasesTheConcurrencySlot() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 0, 0, 2);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted first = admitted(admit(subject, request(subject, key, limits, 1)));
        admitted(admit(subject, request(subject, key, limits, 1)));
        Admission.Refused third = refused(RefusalReason.CONCURRENCY, admit(subject, request(subject, key, limits, 1)));
        assertTrue(third.retryAfter().isPositive());

        settle(subject, first.reservation(), 1);

        admitted(admit(subject, request(subject, key, limits, 1)));
        refused(RefusalReason.CONCURRENCY, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void settle_twice_releasesTheSlotOnlyOnce() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 0, 0, 1);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted first = admitted(admit(subject, request(subject, key, limits, 1)));
        settle(subject, first.reservation(), 1);
        admitted(admit(subject, request(subject, key, limits, 1)));
        settle(subject, first.reservation(), 1);

        refused(RefusalReason.CONCURRENCY, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void settle_twice_correctsTheTokensOnlyOnce() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 1_000, 0, 0);
        ApiKeyId key = ApiKeyId.random();

        Admission.Admitted first = admitted(admit(subject, request(subject, key, limits, 500)));
        settle(subject, first.reservation(), 100);
        settle(subject, first.reservation(), 0);

        admitted(admit(subject, request(subject, key, limits, 900)));
        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void admit_withARequestIdUsedTwice_keepsBothReservationsApart() {
        Subject subject = subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(0, 0, 0, 2);
        ApiKeyId key = ApiKeyId.random();
        RequestId reused = RequestId.random();
        Instant now = subject.now();

        Reservation first = admitted(admit(subject, new QuotaRequest(key, reused, limits, 1, now))).reservation();
        Reservation second = admitted(admit(subject, new QuotaRequest(key, reused, limits, 1, now))).reservation();
        assertNotEquals(first, second);

        settle(subject, first, 1);
        settle(subject, first, 1);
        admitted(admit(subject, request(subject, key, limits, 1)));
        refused(RefusalReason.CONCURRENCY, admit(subject, request(subject, key, limits, 1)));
        settle(subject, second, 1);
        admitted(admit(subject, request(subject, key, limits, 1)));
    }

    @Test
    void admit_afterAReservationWasNeverSettledForTooLong_freesItsSlot() {
        QuotaSettings settings = slidingSettings();
        Subject subject = subject(settings, BudgetSource.none());
        Limits limits = limits(0, 0, 0, 1);
        ApiKeyId key = ApiKeyId.random();

        admitted(admit(subject, request(subject, key, limits, 1)));
        refused(RefusalReason.CONCURRENCY, admit(subject, request(subject, key, limits, 1)));

        subject.pass(settings.reservationTimeout().plusMillis(50));

        admitted(admit(subject, request(subject, key, limits, 1)));
    }

    // ---- helpers for this contract and the adapters' own tests ------------------------------

    protected Subject subject(QuotaSettings settings, BudgetSource budgets) {
        Subject subject = open(settings, budgets);
        opened.add(subject);
        return subject;
    }

    /** Limits with 0 meaning "not limited". */
    protected static Limits limits(long rpm, long tpm, long monthlyBudget, int maxConcurrent) {
        return new Limits(optional(rpm), optional(tpm), optional(monthlyBudget),
                maxConcurrent > 0 ? OptionalInt.of(maxConcurrent) : OptionalInt.empty(), Set.of(), Optional.empty());
    }

    protected static QuotaRequest request(Subject subject, ApiKeyId key, Limits limits, long estimatedTokens) {
        return new QuotaRequest(key, RequestId.random(), limits, estimatedTokens, subject.now());
    }

    protected static Admission admit(Subject subject, QuotaRequest request) {
        return join(subject.gate().admit(request).toCompletableFuture());
    }

    protected static void settle(Subject subject, Reservation reservation, long actualTokens) {
        join(subject.gate().settle(reservation, actualTokens).toCompletableFuture());
    }

    protected static Admission.Admitted admitted(Admission admission) {
        return assertInstanceOf(Admission.Admitted.class, admission, () -> "expected admitted, was " + admission);
    }

    protected static Admission.Refused refused(RefusalReason reason, Admission admission) {
        Admission.Refused refused = assertInstanceOf(Admission.Refused.class, admission, () -> "expected refused, was " + admission);
        assertEquals(reason, refused.reason(), () -> "refusal " + refused);
        return refused;
    }

    /** Runs {@code threads × perThread} calls, all threads starting together; outcomes in no particular order. */
    protected static List<Admission> race(int threads, int perThread, IntFunction<Admission> call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Admission>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int thread = 0; thread < threads; thread++) {
                int first = thread * perThread;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Admission> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(call.apply(first + i));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Admission> all = new ArrayList<>();
            for (Future<List<Admission>> result : results) {
                all.addAll(result.get(30, TimeUnit.SECONDS));
            }
            return all;
        }
    }

    /** Exactly {@code admitted} of the outcomes were admitted; every other one refused for {@code reason} with a Retry-After. */
    protected static void assertExactly(int admitted, RefusalReason reason, List<Admission> outcomes) {
        long admittedCount = outcomes.stream().filter(Admission.Admitted.class::isInstance).count();
        List<Admission.Refused> refusals = outcomes.stream()
                .filter(Admission.Refused.class::isInstance).map(Admission.Refused.class::cast).toList();
        assertAll(
                () -> assertEquals(admitted, admittedCount, "admitted"),
                () -> assertEquals(outcomes.size() - admitted, refusals.size(), "refused"),
                () -> assertTrue(refusals.stream().allMatch(refusal -> refusal.reason() == reason), "all refused for " + reason),
                () -> assertTrue(refusals.stream().allMatch(refusal -> refusal.retryAfter().isPositive()), "all with Retry-After"));
    }

    protected static void assertBetween(Duration lowest, Duration highest, Duration actual) {
        assertTrue(actual.compareTo(lowest) >= 0 && actual.compareTo(highest) <= 0,
                () -> actual + " is not within [" + lowest + ", " + highest + "]");
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new AssertionError("the gate failed instead of answering", failure);
        }
    }

    private static OptionalLong optional(long value) {
        return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
    }
}
