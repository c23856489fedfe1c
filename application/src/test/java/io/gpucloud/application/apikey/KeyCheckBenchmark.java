package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeyHash;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
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
import java.util.concurrent.TimeUnit;

/**
 * The key check every API call pays on the IO thread: the secret's shape and checksum
 * ({@link KeySecret#parse}), its SHA-256 ({@link KeySecret#hash}), and the cache hit in
 * {@link AuthenticateKeyService#authenticateWithoutBlocking}; and the refusal of a malformed key.
 * Not a test (surefire runs no {@code *Benchmark}); run it by hand, {@code -prof gc} shows the bytes
 * allocated per call:
 *
 * <pre>
 * ./mvnw -q -pl domain,application install -DskipTests   # or package the whole reactor once
 * ./mvnw -q -pl application test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp application/target/test-classes:application/target/classes:$(cat application/target/bench.cp) \
 *      org.openjdk.jmh.Main KeyCheckBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KeyCheckBenchmark {
    private final KeySecret secret = KeySecret.generate();
    private final String presented = secret.reveal();
    /** Same shape, last checksum character changed: refused without touching the store. */
    private final String wrongChecksum = presented.substring(0, presented.length() - 1)
            + (presented.charAt(presented.length() - 1) == 'a' ? 'b' : 'a');
    private AuthenticateKeyService service;

    @Setup
    public void setUp() {
        InMemoryApiKeyStore store = new InMemoryApiKeyStore();
        store.add(ApiKey.issue(ApiKeyId.random(), "bench", secret, Limits.none(), Clock.systemUTC().instant()));
        service = new AuthenticateKeyService(store, new LocalKeyChangeBroadcast(), Clock.systemUTC(),
                Duration.ofHours(1), 100_000);
        if (!(service.authenticate(presented) instanceof Authentication.Authenticated)) {
            throw new IllegalStateException("the benchmark key does not authenticate");
        }
    }

    @Benchmark
    public Optional<KeySecret> parse() {
        return KeySecret.parse(presented);
    }

    @Benchmark
    public KeyHash parseAndHash() {
        return KeySecret.parse(presented).orElseThrow().hash();
    }

    /** What the IO thread does for a known key: parse, hash, cache lookup, revoked/expired check. */
    @Benchmark
    public Optional<Authentication> authenticate_cacheHit() {
        return service.authenticateWithoutBlocking(presented);
    }

    @Benchmark
    public Optional<Authentication> authenticate_wrongChecksum() {
        return service.authenticateWithoutBlocking(wrongChecksum);
    }
}
