package io.gpucloud.adapters.redis.quota;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.application.quota.BudgetSource;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load figure for the Redis gate: throughput and latency of one admission (one EVALSHA round trip)
 * with rpm, tpm, budget and a slot, over 1,000 keys; each admitted call is settled without waiting,
 * as the chat services do. Against {@code TEST_REDIS_URL} or an embedded Redis. Run as
 * {@link InProcessQuotaGateBenchmark} says, with {@code LettuceQuotaGateBenchmark -t 1} (bare
 * round trip) and {@code -t 32} (concurrent callers).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LettuceQuotaGateBenchmark {
    private static final int KEYS = 1_000;

    private final String prefix = TestRedis.uniquePrefix();
    private final ApiKeyId[] keys = new ApiKeyId[KEYS];
    private final RequestId requestId = RequestId.random();
    private final AtomicInteger next = new AtomicInteger();
    /** Limits a benchmark never reaches: every call passes all four checks and reserves them. */
    private final Limits limits = new Limits(OptionalLong.of(1_000_000_000), OptionalLong.of(1_000_000_000_000L),
            OptionalLong.of(Long.MAX_VALUE / 2), OptionalInt.of(1_000_000), Set.of(), Optional.empty());
    private RedisUrl url;
    private RedisConnection redis;
    private LettuceQuotaGate gate;

    @Setup
    public void setUp() {
        url = TestRedis.url();
        redis = TestRedis.connect(url, prefix);
        // A 1 s window keeps the sorted sets short while every call still slides them.
        gate = new LettuceQuotaGate(redis, BudgetSource.none(), QuotaWhenRedisDown.REFUSE, Clock.systemUTC(),
                QuotaSettings.DEFAULT.withWindow(Duration.ofSeconds(1)));
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ApiKeyId.random();
            admit();
        }
    }

    @TearDown
    public void tearDown() {
        if (gate.fallbacks() + gate.refusedUnavailable() > 0) {
            throw new IllegalStateException("Redis did not answer every call: the figures are void");
        }
        redis.close();
        TestRedis.deleteKeys(url, prefix);
    }

    @Benchmark
    public Admission admit() {
        ApiKeyId key = keys[Math.floorMod(next.getAndIncrement(), KEYS)];
        Admission admission = gate.admit(new QuotaRequest(key, requestId, limits, 100, Instant.now())).toCompletableFuture().join();
        if (admission instanceof Admission.Admitted admitted) {
            gate.settle(admitted.reservation(), 80);
        } else {
            throw new IllegalStateException("refused: " + admission);
        }
        return admission;
    }
}
