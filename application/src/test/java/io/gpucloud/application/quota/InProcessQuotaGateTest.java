package io.gpucloud.application.quota;

import io.gpucloud.application.contract.QuotaGateContract;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.RefusalReason;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InProcessQuotaGateTest extends QuotaGateContract {
    private static final Instant MID_JUNE = Instant.parse("2025-06-15T12:00:00Z");

    @Override
    protected Subject open(QuotaSettings settings, BudgetSource budgets) {
        ManualClock clock = new ManualClock(MID_JUNE);
        return new InProcess(new InProcessQuotaGate(budgets, clock, settings), clock);
    }

    @Test
    void admit_inANewMonth_readsThatMonthsUsageFromTheLedger() {
        ApiKeyId key = ApiKeyId.random();
        List<YearMonth> asked = new CopyOnWriteArrayList<>();
        InProcess subject = (InProcess) subject(QuotaSettings.DEFAULT, (askedKey, month) -> {
            asked.add(month);
            return month.equals(YearMonth.of(2025, 6)) ? 1_000 : 0;
        });
        Limits limits = limits(0, 0, 1_000, 0);

        refused(RefusalReason.BUDGET, admit(subject, request(subject, key, limits, 1)));
        subject.clock.set(Instant.parse("2025-07-01T00:00:00Z"));

        admitted(admit(subject, request(subject, key, limits, 1)));
        assertEquals(List.of(YearMonth.of(2025, 6), YearMonth.of(2025, 7)), asked);
    }

    @Test
    void admit_readsTheLedgerOncePerKeyAndMonth() {
        List<ApiKeyId> asked = new CopyOnWriteArrayList<>();
        InProcess subject = (InProcess) subject(QuotaSettings.DEFAULT, (key, month) -> {
            asked.add(key);
            return 0;
        });
        ApiKeyId key = ApiKeyId.random();

        for (int call = 0; call < 5; call++) {
            admitted(admit(subject, request(subject, key, limits(0, 0, 1_000, 0), 1)));
        }

        assertEquals(List.of(key), asked);
    }

    @Test
    void admit_afterAKeyWasIdleLongEnough_dropsItsState() {
        InProcess subject = (InProcess) subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Limits limits = limits(10, 0, 0, 0);
        Admission.Admitted idle = admitted(admit(subject, request(subject, ApiKeyId.random(), limits, 1)));
        admitted(admit(subject, request(subject, ApiKeyId.random(), limits, 1)));
        settle(subject, idle.reservation(), 1);
        assertEquals(2, subject.gate.trackedKeys());

        subject.pass(QuotaSettings.DEFAULT.window().plus(QuotaSettings.DEFAULT.reservationTimeout()));
        admitted(admit(subject, request(subject, ApiKeyId.random(), limits, 1)));

        assertEquals(1, subject.gate.trackedKeys());
    }

    @Test
    void holds_tellsWhetherAReservationIsStillUnsettledHere() {
        InProcess subject = (InProcess) subject(QuotaSettings.DEFAULT, BudgetSource.none());
        Admission.Admitted admitted = admitted(admit(subject, request(subject, ApiKeyId.random(), limits(1, 0, 0, 0), 1)));

        assertTrue(subject.gate.holds(admitted.reservation()));
        settle(subject, admitted.reservation(), 1);
        assertFalse(subject.gate.holds(admitted.reservation()));
    }

    @Test
    void admit_whenTheWindowSlidesPartly_freesOnlyWhatLeftIt() {
        InProcess subject = (InProcess) subject(QuotaSettings.DEFAULT, BudgetSource.none());
        ApiKeyId key = ApiKeyId.random();
        Limits limits = limits(0, 100, 0, 0);

        admitted(admit(subject, request(subject, key, limits, 60)));
        subject.pass(Duration.ofSeconds(30));
        admitted(admit(subject, request(subject, key, limits, 40)));
        Admission.Refused refused = refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 50)));
        assertEquals(Duration.ofSeconds(30), refused.retryAfter());

        subject.pass(Duration.ofSeconds(30));
        admitted(admit(subject, request(subject, key, limits, 60)));
        refused(RefusalReason.TOKENS, admit(subject, request(subject, key, limits, 1)));
    }

    private record InProcess(InProcessQuotaGate gate, ManualClock clock) implements Subject {
        @Override
        public Instant now() {
            return clock.instant();
        }

        @Override
        public void pass(Duration duration) {
            clock.set(clock.instant().plus(duration));
        }
    }

    /** A clock that moves only when told. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
