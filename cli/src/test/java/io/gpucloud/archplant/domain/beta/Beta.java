package io.gpucloud.archplant.domain.beta;

import io.gpucloud.archplant.domain.alpha.Alpha;

/** Planted violation: the other half of the cycle. */
public final class Beta {
    public Alpha alpha() {
        return new Alpha();
    }
}
