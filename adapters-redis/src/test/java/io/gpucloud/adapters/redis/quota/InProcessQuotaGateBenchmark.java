package io.gpucloud.adapters.redis.quota;

import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.quota.QuotaSettings;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The in-process limiter's cost per call (admit, then settle where admitted). It lives here, next
 * to the Redis gate's benchmark, so the application module keeps no benchmark dependency.
 *
 * <pre>
 * ./mvnw -q -pl adapters-redis test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp adapters-redis/target/test-classes:adapters-redis/target/classes:$(cat adapters-redis/target/bench.cp) \
 *      org.openjdk.jmh.Main InProcessQuotaGateBenchmark -t 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InProcessQuotaGateBenchmark {
    private static final int KEYS = 1_000;

    /** A 10 ms window keeps the sliding logs short while every call still slides them. */
    private final InProcessQuotaGate sliding = new InProcessQuotaGate(BudgetSource.none(), Clock.systemUTC(),
            QuotaSettings.DEFAULT.withWindow(Duration.ofMillis(10)), Runnable::run);
    private final InProcessQuotaGate spent = new InProcessQuotaGate(BudgetSource.none(), Clock.systemUTC());
    private final ApiKeyId[] keys = new ApiKeyId[KEYS];
    private final ApiKeyId spentKey = ApiKeyId.random();
    private final RequestId requestId = RequestId.random();
    private final Limits allLimits = new Limits(OptionalLong.of(1_000_000_000), OptionalLong.of(1_000_000_000_000L),
            OptionalLong.of(Long.MAX_VALUE / 2), OptionalInt.of(1_000_000), Set.of(), Optional.empty());
    private final Limits rpmSpent = new Limits(OptionalLong.of(100), OptionalLong.empty(), OptionalLong.empty(),
            OptionalInt.empty(), Set.of(), Optional.empty());
    private int next;

    @Setup
    public void setUp() {
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ApiKeyId.random();
            call(sliding, keys[i], allLimits);
        }
        for (int i = 0; i < 100; i++) {
            call(spent, spentKey, rpmSpent);
        }
    }

    /** rpm, tpm, budget and a slot checked, reserved and settled, over 1,000 keys. */
    @Benchmark
    public Admission admitAndSettle_allLimits() {
        ApiKeyId key = keys[Math.floorMod(next++, KEYS)];
        return call(sliding, key, allLimits);
    }

    /** The refusal path: one hot key whose rpm is spent (Retry-After and snapshot computed). */
    @Benchmark
    public Admission admit_refusedBecauseRpmIsSpent() {
        return call(spent, spentKey, rpmSpent);
    }

    private Admission call(InProcessQuotaGate gate, ApiKeyId key, Limits limits) {
        Admission admission = gate.admit(new QuotaRequest(key, requestId, limits, 100, java.time.Instant.now()))
                .toCompletableFuture().join();
        if (admission instanceof Admission.Admitted admitted) {
            gate.settle(admitted.reservation(), 80);
        }
        return admission;
    }
}
