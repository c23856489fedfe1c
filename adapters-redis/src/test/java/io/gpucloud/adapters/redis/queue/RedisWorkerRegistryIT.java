package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.application.contract.WorkerRegistryContract;
import io.gpucloud.domain.worker.WorkerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RedisWorkerRegistryIT extends WorkerRegistryContract {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisUrl url;
    private static RedisConnection redis;
    private static RedisWorkerRegistry registry;

    @BeforeAll
    static void connect() {
        url = TestRedis.url();
        redis = TestRedis.connect(url, PREFIX);
        registry = new RedisWorkerRegistry(redis);
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        redis.close();
        TestRedis.deleteKeys(url, PREFIX);
    }

    @Override
    protected WorkerRegistry registry() {
        return registry;
    }
}
