package io.gpucloud.archplant.domain.alpha;

import io.gpucloud.archplant.domain.beta.Beta;

/** Planted violation: a cycle between the alpha and beta features. */
public final class Alpha {
    public Beta beta() {
        return new Beta();
    }
}
