package io.gpucloud.archplant.bootstrap;

/** Target of a planted violation: nothing but the CLI may depend on bootstrap. */
public final class SomeWiring {
    public String name() {
        return "wiring";
    }
}
