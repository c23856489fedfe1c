package io.gpucloud.archplant.adapters.http;

import io.gpucloud.archplant.adapters.redis.SomeRedisThing;
import io.gpucloud.archplant.bootstrap.SomeWiring;

/** Planted violations: an adapter that uses another adapter and the composition root. */
public final class SomeHandler {
    public String handle() {
        return new SomeRedisThing().name() + new SomeWiring().name();
    }
}
