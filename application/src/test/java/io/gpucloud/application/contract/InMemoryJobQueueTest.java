package io.gpucloud.application.contract;

import io.gpucloud.application.worker.InMemoryJobQueue;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.JobSource;

class InMemoryJobQueueTest extends JobQueueContract {
    @Override
    protected Subject open(Limits limits) {
        InMemoryJobQueue queue = new InMemoryJobQueue(new InMemoryJobQueue.Settings(limits.maxDepth(), limits.retryAfter(),
                limits.lease(), limits.maxAttempts()));
        return new Subject() {
            @Override
            public JobQueue queue() {
                return queue;
            }

            @Override
            public JobSource source() {
                return queue;
            }

            @Override
            public void close() {
            }
        };
    }
}
