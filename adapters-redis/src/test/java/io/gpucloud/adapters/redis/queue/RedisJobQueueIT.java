package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.application.contract.JobQueueContract;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.JobSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** The queue contract on a real Redis: the API side and the worker side on connections of their own, as in production. */
class RedisJobQueueIT extends JobQueueContract {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisUrl url;
    private static RedisConnection api;
    private static RedisConnection worker;

    @BeforeAll
    static void connect() {
        url = TestRedis.url();
        api = TestRedis.connect(url, PREFIX);
        worker = TestRedis.connect(url, PREFIX);
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        api.close();
        worker.close();
        TestRedis.deleteKeys(url, PREFIX);
    }

    @Override
    protected Subject open(Limits limits) {
        RedisJobQueue queue = new RedisJobQueue(api, new RedisJobQueue.Settings(limits.maxDepth(), limits.retryAfter(),
                Duration.ofMinutes(5), Duration.ofMillis(500)));
        RedisJobSource source = new RedisJobSource(worker, new RedisJobSource.Settings(limits.lease(), limits.maxAttempts(),
                Duration.ofMinutes(5)));
        return new Subject() {
            @Override
            public JobQueue queue() {
                return queue;
            }

            @Override
            public JobSource source() {
                return source;
            }

            @Override
            public void close() {
                queue.close();
                source.close();
            }
        };
    }
}
