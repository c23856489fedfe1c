package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.inference.InferenceEngine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Builds one {@link FakeEngine} per deployment name and remembers every engine it built. */
final class FakeEngines implements EngineFactory {
    final List<FakeEngine> built = new CopyOnWriteArrayList<>();
    private final Map<String, FakeEngine.Probe> probeByName = new ConcurrentHashMap<>();

    @Override
    public InferenceEngine create(Deployment deployment) {
        if (deployment.name().startsWith("broken")) {
            throw new IllegalArgumentException("the environment variable VLLM_KEY is not set");
        }
        FakeEngine engine = new FakeEngine(deployment.name());
        engine.probe = probeByName.getOrDefault(deployment.name(), FakeEngine.Probe.OK);
        built.add(engine);
        return engine;
    }

    /** The probe behaviour of engines built from now on for this deployment name, and of the current one. */
    void probe(String name, FakeEngine.Probe probe) {
        probeByName.put(name, probe);
        built.stream().filter(engine -> engine.name.equals(name)).forEach(engine -> engine.probe = probe);
    }

    FakeEngine latest(String name) {
        return built.reversed().stream().filter(engine -> engine.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no engine built for " + name));
    }
}
