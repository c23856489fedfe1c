package io.gpucloud.archplant.adapters.redis;

import org.jdbi.v3.core.Jdbi;

/** Planted violation: the Redis adapter using the persistence adapter's framework. */
public final class SomeRedisThing {
    public String name() {
        return Jdbi.class.getSimpleName();
    }
}
