package io.gpucloud.bootstrap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything the process reads from its environment, read once at start-up. A bad value stops
 * start-up with a message naming the variable. The README's configuration table lists these.
 */
public record Config(
        int port,
        String host,
        Optional<String> databaseUrl,
        Path dataDir,
        Optional<String> redisUrl,
        String redisKeyPrefix,
        boolean runMigrations,
        Optional<String> adminToken,
        List<String> corsOrigins,
        InferenceEngineChoice inferenceEngine,
        Optional<String> upstreamUrl,
        Optional<String> upstreamApiKey,
        Duration upstreamReadTimeout,
        Duration upstreamRequestTimeout,
        boolean upstreamIoThreadCalls,
        long maxBodyBytes,
        Optional<String> metricsToken,
        OptionalLong defaultRpm,
        OptionalLong defaultTpm,
        OptionalLong defaultMonthlyTokenBudget,
        Duration simulatedTimeToFirstToken,
        double simulatedTokensPerSecond,
        Duration shutdownGrace,
        QuotaFallback quotaWhenRedisDown,
        int usageBufferCapacity,
        int usageBatchSize,
        Duration usageFlushInterval,
        Duration keyCacheTtl,
        QueueConfig queue) {

    public enum InferenceEngineChoice { SIMULATED, OPENAI, QUEUE }

    public enum QuotaFallback { LOCAL, REFUSE }

    public static Config fromEnvironment() {
        return from(System.getenv());
    }

    public static Config from(Map<String, String> env) {
        Reader read = new Reader(env);
        Optional<String> databaseUrl = read.text("DATABASE_URL");
        InferenceEngineChoice engine = read.choice("INFERENCE_ENGINE", InferenceEngineChoice.class, InferenceEngineChoice.SIMULATED);
        Optional<String> upstreamUrl = read.text("UPSTREAM_URL");
        if (engine == InferenceEngineChoice.OPENAI && upstreamUrl.isEmpty()) {
            throw new ConfigException("UPSTREAM_URL", "required when INFERENCE_ENGINE=openai (e.g. http://gpu-node:8000/v1)");
        }
        Optional<String> adminToken = read.text("ADMIN_TOKEN");
        if (adminToken.isPresent() && adminToken.get().length() < 16) {
            throw new ConfigException("ADMIN_TOKEN", "must be at least 16 characters");
        }
        return new Config(
                (int) read.number("PORT", 4000, 0, 65_535),
                read.text("HOST").orElse("0.0.0.0"),
                databaseUrl,
                Path.of(read.text("GPUCLOUD_DATA_DIR").orElse("data")),
                read.text("REDIS_URL"),
                read.text("REDIS_KEY_PREFIX").orElse("gpucloud:"),
                read.flag("RUN_MIGRATIONS", databaseUrl.isEmpty()),
                adminToken,
                read.list("CORS_ORIGINS", List.of("*")),
                engine,
                upstreamUrl,
                read.text("UPSTREAM_API_KEY"),
                Duration.ofSeconds(read.number("UPSTREAM_READ_TIMEOUT_SECONDS", 120, 1, 86_400)),
                Duration.ofSeconds(read.number("UPSTREAM_REQUEST_TIMEOUT_SECONDS", 600, 1, 86_400)),
                read.flag("UPSTREAM_IO_THREAD_CALLS", true),
                read.number("MAX_BODY_BYTES", 8L * 1024 * 1024, 1024, 1L << 30),
                read.text("METRICS_TOKEN"),
                read.optionalNumber("DEFAULT_RPM"),
                read.optionalNumber("DEFAULT_TPM"),
                read.optionalNumber("DEFAULT_MONTHLY_TOKEN_BUDGET"),
                Duration.ofMillis(read.number("SIMULATED_TTFT_MS", 0, 0, 600_000)),
                read.decimal("SIMULATED_TOKENS_PER_SECOND", 0, 0, 1_000_000),
                Duration.ofSeconds(read.number("SHUTDOWN_GRACE_SECONDS", 20, 0, 3_600)),
                read.choice("QUOTA_WHEN_REDIS_DOWN", QuotaFallback.class, QuotaFallback.LOCAL),
                (int) read.number("USAGE_BUFFER_CAPACITY", 100_000, 100, 10_000_000),
                (int) read.number("USAGE_BATCH_SIZE", 10_000, 1, 1_000_000),
                Duration.ofMillis(read.number("USAGE_FLUSH_INTERVAL_MS", 10, 10, 60_000)),
                Duration.ofSeconds(read.number("KEY_CACHE_TTL_SECONDS", 30, 0, 86_400)),
                new QueueConfig((int) read.number("QUEUE_MAX_DEPTH", 1_000, 1, 10_000_000),
                        Duration.ofSeconds(read.number("QUEUE_RETRY_AFTER_SECONDS", 2, 1, 3_600)),
                        Duration.ofSeconds(read.number("QUEUE_JOB_TIMEOUT_SECONDS", 300, 1, 86_400)),
                        Duration.ofMillis(read.number("QUEUE_LEASE_MS", 15_000, 100, 3_600_000)),
                        (int) read.number("QUEUE_MAX_ATTEMPTS", 3, 1, 100)));
    }

    /** Reads and checks single variables; empty or blank counts as unset. */
    private record Reader(Map<String, String> env) {
        Optional<String> text(String name) {
            return Optional.ofNullable(env.get(name)).map(String::strip).filter(value -> !value.isEmpty());
        }

        long number(String name, long fallback, long min, long max) {
            return text(name).map(value -> parse(name, value, min, max)).orElse(fallback);
        }

        OptionalLong optionalNumber(String name) {
            return text(name).map(value -> OptionalLong.of(parse(name, value, 1, Long.MAX_VALUE))).orElse(OptionalLong.empty());
        }

        double decimal(String name, double fallback, double min, double max) {
            Optional<String> value = text(name);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                double parsed = Double.parseDouble(value.get());
                if (!(parsed >= min && parsed <= max)) {
                    throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + value.get());
                }
                return parsed;
            } catch (NumberFormatException notANumber) {
                throw new ConfigException(name, "must be a number, got '" + value.get() + "'");
            }
        }

        boolean flag(String name, boolean fallback) {
            return text(name).map(value -> switch (value.toLowerCase(Locale.ROOT)) {
                case "1", "true", "yes", "on" -> true;
                case "0", "false", "no", "off" -> false;
                default -> throw new ConfigException(name, "must be 1 or 0, got '" + value + "'");
            }).orElse(fallback);
        }

        List<String> list(String name, List<String> fallback) {
            return text(name).map(value -> Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
                    .orElse(fallback);
        }

        <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
            Optional<String> value = text(name);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                return Enum.valueOf(type, value.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException unknown) {
                throw new ConfigException(name, "must be one of " + Arrays.stream(type.getEnumConstants())
                        .map(constant -> constant.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + value.get() + "'");
            }
        }

        private static long parse(String name, String value, long min, long max) {
            try {
                long parsed = Long.parseLong(value);
                if (parsed < min || parsed > max) {
                    throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + value);
                }
                return parsed;
            } catch (NumberFormatException notANumber) {
                throw new ConfigException(name, "must be a whole number, got '" + value + "'");
            }
        }
    }
}
