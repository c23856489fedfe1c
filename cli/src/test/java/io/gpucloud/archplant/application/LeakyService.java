package io.gpucloud.archplant.application;

import io.gpucloud.archplant.adapters.http.SomeHandler;

/** Planted violation: a use case that reaches into an adapter. */
public final class LeakyService {
    public String run() {
        return new SomeHandler().handle();
    }
}
